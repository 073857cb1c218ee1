// The console's operations: publishing the public program, building a zip of every PDF, and showing dead
// letters and moving them back to their queue after a confirmation.
import { $, el, formatUtc, plural } from "./common.js";
import { api, clearProblem, failed } from "./console_core.js";

// The archive job shown and the timer asking about it; the dead-letter queue shown.
let archive = null;
let archiveTimer = null;
let deadLetters = null;

// ---- the public program ------------------------------------------------------------------------

$("program-publish").addEventListener("click", async () => {
  clearProblem();
  $("program-publish").disabled = true;
  try {
    const published = await api("POST", "/organizers/program/publish");
    const kinds = { added: 0, withdrawn: 0, changed: 0 };
    for (const change of published.changelog) kinds[change.kind] += 1;
    $("program-status").textContent =
      "Published " + plural(published.posters, "poster") + " (" + kinds.added + " added, " + kinds.withdrawn +
      " withdrawn, " + kinds.changed + " changed since the last publication).";
  } catch (error) {
    failed(error);
  } finally {
    $("program-publish").disabled = false;
  }
});

// ---- the archive of every PDF ------------------------------------------------------------------

// The zip's size in decimal megabytes.
function zipSize(bytes) {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0) + " MB";
}

// The job is asked about once a second while it is queued or building; its progress bar and status
// follow it, and a finished zip is offered through a link presigned when it is asked for.
function showArchive(job) {
  archive = job;
  const bar = $("archive-progress");
  $("archive-job").hidden = false;
  if (job.total === null) {
    bar.removeAttribute("value");
    bar.removeAttribute("aria-valuetext");
  } else {
    bar.max = Math.max(job.total, 1);
    bar.value = job.total ? job.done : 1;
    bar.setAttribute("aria-valuetext", job.done + " of " + job.total + " files");
  }
  const texts = {
    queued: "Queued: the zip will be built in a moment.",
    building: job.total === null ? "Counting the files…" : job.done + " of " + job.total + " files zipped.",
    done: "Done: " + job.total + " file" + (job.total === 1 ? "" : "s") + ", " + zipSize(job.size || 0) + ". The zip is kept until " + formatUtc(job.expires_at) + ".",
    failed: "Failed. " + job.message,
  };
  const text = texts[job.state] + (job.state === "building" && job.message ? " " + job.message : "");
  if ($("archive-status").textContent !== text) $("archive-status").textContent = text;
  $("archive-download").hidden = job.state !== "done";
  $("archive-start").disabled = job.state === "queued" || job.state === "building";
  if (job.state === "queued" || job.state === "building") {
    clearTimeout(archiveTimer);
    archiveTimer = setTimeout(followArchive, 1000);
  }
}

async function followArchive() {
  try {
    showArchive(await api("GET", "/organizers/archives/" + archive.id));
  } catch (error) {
    $("archive-start").disabled = false;
    failed(error);
  }
}

$("archive-start").addEventListener("click", async () => {
  clearProblem();
  $("archive-start").disabled = true;
  try {
    showArchive(await api("POST", "/organizers/archives", { include_late: $("archive-late").checked, contents: $("archive-contents").value }));
  } catch (error) {
    $("archive-start").disabled = false;
    failed(error);
  }
});

$("archive-download").addEventListener("click", async () => {
  clearProblem();
  try {
    const link = await api("POST", "/organizers/archives/" + archive.id + "/link");
    el("a", { href: link.url, rel: "noopener noreferrer" }).click();
  } catch (error) {
    failed(error);
  }
});

// ---- dead letters: show, then move back after a confirmation -------------------------------------

export async function loadDeadLetters() {
  const waiting = await api("GET", "/organizers/dead-letters");
  $("dead-letters").replaceChildren(
    ...Object.entries(waiting).map(([name, n]) => {
      const button = el("button", { type: "button", class: "button secondary small", "aria-label": "Show the " + name + " dead letters" }, "Show");
      button.addEventListener("click", () => showDeadLetters(name));
      return el("li", {}, el("span", {}, name + ": " + n + " waiting"), button);
    })
  );
}

async function showDeadLetters(name) {
  clearProblem();
  try {
    const listing = await api("GET", "/organizers/dead-letters/" + encodeURIComponent(name));
    deadLetters = listing;
    const n = listing.count;
    $("dead-letter-title").textContent = n + " message" + (n === 1 ? "" : "s") + " in the " + name + " dead-letter queue" + (listing.shown.length < n ? " (the oldest " + listing.shown.length + " shown)" : "");
    $("dead-letter-rows").replaceChildren(
      ...(listing.shown.length
        ? listing.shown.map((m) => el("tr", {}, el("td", { class: "id" }, m.message_id), el("td", { class: "when" }, formatUtc(m.sent_at)), el("td", {}, String(m.deliveries)), el("td", {}, m.about)))
        : [el("tr", {}, el("td", { colspan: "4" }, "Nothing waits here."))])
    );
    $("redrive-ask").textContent = "Move " + n + " back…";
    $("redrive-ask").hidden = n === 0;
    $("redrive-confirm").hidden = true;
    $("dead-letter-detail").hidden = false;
    $("dead-letter-detail").focus();
  } catch (error) {
    failed(error);
  }
}

$("redrive-ask").addEventListener("click", () => {
  const listing = deadLetters;
  $("redrive-question").textContent = "Move " + listing.count + " message" + (listing.count === 1 ? "" : "s") + " back to the " + listing.queue + " queue, where " + (listing.count === 1 ? "it is" : "they are") + " tried again?";
  $("redrive-confirm").hidden = false;
  $("redrive-yes").focus();
});
$("redrive-no").addEventListener("click", () => {
  $("redrive-confirm").hidden = true;
  $("redrive-ask").focus();
});
$("redrive-yes").addEventListener("click", async () => {
  $("redrive-yes").disabled = true;
  try {
    const result = await api("POST", "/organizers/dead-letters/" + encodeURIComponent(deadLetters.queue) + "/redrive");
    $("dead-letter-detail").hidden = true;
    $("dead-letter-status").textContent = "Moved " + result.moved + " message" + (result.moved === 1 ? "" : "s") + " back to the " + result.queue + " queue.";
    await loadDeadLetters();
  } catch (error) {
    failed(error);
  } finally {
    $("redrive-yes").disabled = false;
  }
});
