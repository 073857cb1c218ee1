// Decisions: accept or reject the selected submissions (recorded only), then release them: a preview of
// the mails, sent once confirmed, its progress followed until every mail has gone through.
import { $, el, plural } from "./common.js";
import { api, clearProblem, failed } from "./console_core.js";
import { clearSelection, loadList, selectedIds } from "./console_table.js";

// The release previewed (sending names it), the timer following a release, and what changed since its
// preview (said by the release's first answer only).
let previewed = null;
let releaseTimer = null;
let releaseChanges = null;

export async function decide(ids, decision, note, status) {
  clearProblem();
  try {
    let answer = await api("POST", "/organizers/decisions", { ids, decision, note });
    // Many at once are applied by a job: follow it until every one is recorded.
    while (answer.state === "applying") {
      status.textContent = "Recording " + decision + " for " + ids.length + " submissions…";
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const job = await api("GET", "/organizers/decisions/" + answer.job);
      status.textContent = "Recording " + decision + ": " + job.done + " of " + job.total + "…";
      if (job.state === "done") answer = { decided: ids, state: "done" };
    }
    status.textContent = answer.decided.length + " marked " + decision + ". Nothing is sent until you release the decisions.";
    clearSelection();
    await loadList();
  } catch (error) {
    failed(error);
  }
}

$("accept-selected").addEventListener("click", () => decide(selectedIds(), "accepted", $("bulk-note").value, $("release-status")));
$("reject-selected").addEventListener("click", () => decide(selectedIds(), "rejected", $("bulk-note").value, $("release-status")));

// A preview is recorded under an id: sending names it, so exactly the mails shown go out. The release
// runs on its own; the page asks about it once a second and shows how far it has come.
$("release").addEventListener("click", async () => {
  clearProblem();
  try {
    const preview = await api("POST", "/organizers/releases", { with_reviews: $("release-with-reviews").checked });
    previewed = preview.release_id;
    const box = $("release-preview");
    $("release-summary").textContent = preview.pending
      ? preview.pending + " decision mail" + (preview.pending === 1 ? "" : "s") + " will be sent, one per submission" +
        (preview.corrections ? ", " + preview.corrections + " of them correcting a decision sent before" : "") +
        (preview.undecided ? "; " + preview.undecided + " submissions are still undecided and get nothing." : ".") +
        (preview.conflicted ? " " + preview.conflicted + " of them concern submissions you declared a conflict with: not shown to you." : "")
      : "Every decision has been sent already.";
    $("release-mails").replaceChildren(
      ...preview.mails.map((m) =>
        el("div", { class: "release-mail" },
          el("h4", {}, m.count + " × " + m.decision + " (example: " + m.example_id + ")"),
          el("p", {}, el("strong", {}, "Subject: "), m.subject),
          el("pre", {}, m.text))
      )
    );
    $("release-yes").hidden = !preview.pending;
    box.hidden = false;
    box.focus();
  } catch (error) {
    failed(error);
  }
});
$("release-no").addEventListener("click", () => ($("release-preview").hidden = true));

function showRelease(release) {
  const bar = $("release-progress");
  $("release-job").hidden = false;
  bar.max = Math.max(release.total, 1);
  bar.value = release.total ? release.done : 1;
  bar.setAttribute("aria-valuetext", release.done + " of " + release.total);
  const changes = release.changes || releaseChanges;
  if (release.changes) releaseChanges = release.changes;
  const since = [];
  if (changes && changes.decided_since.length) since.push(plural(changes.decided_since.length, "decision") + " made since the preview (not in it)");
  if (changes && changes.changed_since.length) since.push(plural(changes.changed_since.length, "submission") + " changed since the preview (left out)");
  if (changes && changes.sent_since.length) since.push(plural(changes.sent_since.length, "mail") + " sent by another release meanwhile");
  const text = (release.state === "done"
    ? "Sent " + plural(release.sent.length, "decision mail") + "."
    : "Sending: " + release.done + " of " + release.total + " gone through, " + release.sent.length + " sent.") +
    (since.length ? " Changed since the preview: " + since.join("; ") + ". Release again to send them." : "") +
    (release.message ? " " + release.message : "");
  if ($("release-status").textContent !== text) $("release-status").textContent = text;
  clearTimeout(releaseTimer);
  if (release.state !== "done") releaseTimer = setTimeout(() => followRelease(release.id), 1000);
  else loadList();
}

async function followRelease(id) {
  try {
    showRelease(await api("GET", "/organizers/releases/" + id));
  } catch (error) {
    failed(error);
  }
}

$("release-yes").addEventListener("click", async () => {
  $("release-yes").disabled = true;
  try {
    releaseChanges = null;
    const release = await api("POST", "/organizers/releases/" + previewed + "/send");
    $("release-preview").hidden = true;
    showRelease(release);
  } catch (error) {
    failed(error);
  } finally {
    $("release-yes").disabled = false;
  }
});
