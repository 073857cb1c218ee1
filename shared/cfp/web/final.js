// The final phase on the authors' page: once the acceptance is sent, the final abstract and the poster
// (each uploaded straight to S3 and checked in seconds), who presents, and what the program may publish.
// Shown only when the API says the submission has a final phase; text only ever goes in as text.
import {
  $,
  closesAt,
  describeRefusal,
  el,
  formatAoE,
  formatInstant,
  formatLeft,
  megabytes,
  plural,
  postForm,
  problemList,
  refusal,
  say,
  serverNow,
} from "./common.js";

const KINDS = {
  abstract: { what: "final abstract", input: "final-abstract-file", verdict: "final-abstract-verdict", kind: "final" },
  poster: { what: "poster", input: "poster-file", verdict: "poster-verdict", kind: "poster" },
};
const MISSING_WORDS = {
  abstract: "The final abstract (PDF)",
  poster: "The poster (PDF)",
  presenter: "Who presents the poster",
  consent: "What the public program may publish",
};
const OUTCOME_WORDS = {
  pass: "Meets the call's rules.",
  warn: "Accepted, with warnings you may want to address.",
  fail: "Does not meet the call's rules yet: fix the problems below and upload it again.",
};

let context = null;
let current = null;
let shownKey = "";
// The upload whose verdict the status line says is coming: {kind, version}.
let awaited = null;

export function setUpFinal(given) {
  context = given;
  for (const [name, kind] of Object.entries(KINDS)) {
    $(kind.input).addEventListener("change", () => onFileChosen(name));
  }
  $("final-form").addEventListener("submit", onConfirm);
  setInterval(tickFinal, 1000);
}

function finalDeadline() {
  return current && current.deadline ? Date.parse(current.deadline) : null;
}

function isOpen() {
  const end = finalDeadline();
  return end === null || serverNow() < closesAt(end);
}

function tickFinal() {
  if (!current) return;
  const end = finalDeadline();
  if (end === null) {
    say("final-countdown", "There is no deadline for the final versions yet.");
  } else {
    const left = closesAt(end) - serverNow();
    say(
      "final-countdown",
      left > 0
        ? formatLeft(left) + " left to send the final versions (until " + formatAoE(end) + ")."
        : "The final versions were due by " + formatAoE(end) + ". You can still withdraw your consent to publish.",
    );
  }
  const closed = !isOpen();
  for (const kind of Object.values(KINDS)) $(kind.input).disabled = closed || $(kind.input).dataset.busy === "true";
  $("presenter").disabled = closed;
}

export function renderFinal(final, view) {
  $("final-section").hidden = !final;
  current = final;
  if (!final) return;
  const key = JSON.stringify(final);
  if (key === shownKey) return;
  shownKey = key;
  say("final-abstract-hint", "A PDF of at most " + megabytes(final.max_abstract_bytes) + ", checked with the same rules as your first version. Choosing a file uploads it at once.");
  say("poster-hint", "One page, " + final.poster_size + " (a smaller page of the same shape is printed scaled), a PDF of at most " + megabytes(final.max_poster_bytes) + ". Choosing a file uploads it at once.");
  renderChecklist(final);
  renderUpload("abstract", final.abstract, final.uploads.filter((u) => u.kind === "final"));
  renderUpload("poster", final.poster, final.uploads.filter((u) => u.kind === "poster"));
  renderDetails(final, view);
  if (awaited && final.uploads.some((u) => u.kind === awaited.kind && u.version === awaited.version && (u.verdict || u.attention))) {
    awaited = null;
    say("final-upload-status", "");
  }
  tickFinal();
}

function renderChecklist(final) {
  const items = Object.entries(MISSING_WORDS).map(([name, words]) => {
    const missing = final.missing.includes(name);
    return el("li", { class: missing ? "todo" : "done" }, el("span", { class: "visually-hidden" }, missing ? "To do: " : "Done: "), words);
  });
  $("final-checklist").replaceChildren(...items);
  say(
    "final-summary",
    final.missing.length
      ? plural(final.missing.length, "thing") + " still to send."
      : "Everything is in. You can still replace a file or change your choices until the final deadline.",
  );
}

function renderUpload(name, counted, uploads) {
  const kind = KINDS[name];
  const parts = [];
  if (counted && counted.verdict) {
    const verdict = counted.verdict;
    const tone = verdict.outcome;
    parts.push(
      el(
        "p",
        { class: "verdict-summary" },
        el("span", { class: "outcome " + tone }, tone),
        " Upload " + counted.version + (counted.size ? ", " + megabytes(counted.size) : "") + ": " + OUTCOME_WORDS[tone],
      ),
    );
    for (const note of verdict.notes || []) parts.push(el("p", { class: "note" }, note));
    if (verdict.problems.length) parts.push(problemList(verdict.problems));
  } else if (counted) {
    parts.push(el("p", { class: "verdict-summary" }, el("span", { class: "outcome pending" }, "checking"), " Upload " + counted.version + " is being checked; the result appears here in a few seconds."));
  }
  const late = uploads.filter((u) => u.late);
  if (late.length) {
    parts.push(el("p", { class: "hint" }, plural(late.length, "upload") + " arrived after the final deadline: kept for the organizers, not counted."));
  }
  if (uploads.length) {
    const list = el("ul", { class: "versions", "aria-label": "Uploads of the " + kind.what });
    for (const u of uploads.slice().reverse()) {
      const outcome = u.verdict ? u.verdict.outcome : u.attention ? "needs attention" : "being checked";
      list.append(el("li", {}, "Upload " + u.version + ": " + formatInstant(Date.parse(u.uploaded_at)) + ", " + outcome + (u.late ? ", late" : "")));
    }
    parts.push(list);
  }
  $(kind.verdict).replaceChildren(...parts);
}

function renderDetails(final, view) {
  const select = $("presenter");
  const chosen = final.presenter;
  const options = [el("option", { value: "" }, "Choose the presenting author")];
  for (const author of view.authors) {
    const option = el("option", { value: author.name }, author.name);
    if (author.name === chosen) option.selected = true;
    options.push(option);
  }
  select.replaceChildren(...options);
  $("publish-abstract").checked = final.publish_abstract;
  $("publish-poster").checked = final.publish_poster;
  say("final-confirmed", final.confirmed_at ? "Last confirmed " + formatInstant(Date.parse(final.confirmed_at)) + "." : "Not confirmed yet.");
}

function fieldError(id, message) {
  const error = $(id + "-error");
  error.hidden = !message;
  error.replaceChildren(...(message ? [el("span", { class: "visually-hidden" }, "Error: "), message] : []));
  $(id + "-field").classList.toggle("has-error", Boolean(message));
}

async function onFileChosen(name) {
  const kind = KINDS[name];
  const input = $(kind.input);
  const file = input.files[0];
  if (!file || !current) return;
  const errorId = name === "abstract" ? "final-abstract" : "poster";
  fieldError(errorId, "");
  const max = name === "poster" ? current.max_poster_bytes : current.max_abstract_bytes;
  const refused = await refusal(file, max, kind.what);
  if (refused) {
    fieldError(errorId, refused);
    input.value = "";
    return;
  }
  input.dataset.busy = "true";
  input.disabled = true;
  try {
    await upload(name, file, max, errorId);
  } finally {
    input.dataset.busy = "false";
    input.disabled = !isOpen();
    input.value = "";
  }
}

async function upload(name, file, max, errorId) {
  const kind = KINDS[name];
  let ticket;
  try {
    ticket = (await context.api("POST", context.path("/final-upload-url"), { kind: name })).upload;
  } catch (error) {
    fieldError(errorId, error.message);
    return;
  }
  $("final-progress").hidden = false;
  $("final-progress-bar").value = 0;
  say("final-progress-label", "Uploading “" + file.name + "” (" + megabytes(file.size) + ")");
  const answer = await postForm(ticket, file, (percent) => ($("final-progress-bar").value = percent));
  $("final-progress").hidden = true;
  if (answer.status >= 200 && answer.status < 300) {
    say("final-upload-status", "The " + kind.what + " (upload " + ticket.version + ") is uploaded. Checking it now; the result appears here in a few seconds.");
    awaited = { kind: kind.kind, version: ticket.version };
    context.settle((view) =>
      Boolean(view.final && view.final.uploads.some((u) => u.kind === kind.kind && u.version === ticket.version)),
    );
    return;
  }
  fieldError(errorId, describeRefusal(answer, max));
}

async function onConfirm(event) {
  event.preventDefault();
  fieldError("presenter", "");
  const presenter = $("presenter").value;
  if (!presenter) {
    fieldError("presenter", "Choose who presents the poster.");
    $("presenter").focus();
    return;
  }
  const details = {
    presenter: presenter,
    publish_abstract: $("publish-abstract").checked,
    publish_poster: $("publish-poster").checked,
  };
  say("final-save-status", "Saving…");
  try {
    await context.api("PUT", context.path("/final"), details);
    context.apply(await context.api("GET", context.path()));
    say("final-save-status", "Saved: " + presenter + " presents; the program " +
      (details.publish_abstract || details.publish_poster
        ? "may link to the " + [details.publish_abstract ? "final abstract" : "", details.publish_poster ? "poster" : ""].filter(Boolean).join(" and ")
        : "links to no PDF") + ".");
  } catch (error) {
    const field = (error.body && error.body.fields || []).find((f) => f.field === "presenter");
    if (field) fieldError("presenter", field.problem);
    say("final-save-status", error.message);
  }
}
