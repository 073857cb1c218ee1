// The console's final phase: the checklist of accepted posters (what each has and still misses), a mail to
// everyone missing something (previewed, then sent once), and in a submission's page its final abstract
// and poster with their verdicts and PDFs. The overview (console_table.js) and a submission's page
// (console_detail.js) call this module as they are shown; it asks the API for the rest. Author text
// reaches the page only as text.
import { $, el, formatUtc, plural, request, say } from "./common.js";
import { utcInstant } from "./console_core.js";

const WORDS = {
  abstract: "final abstract",
  poster: "poster",
  presenter: "presenter",
  consent: "consent",
};
let preview = null;
let shown = null;

function tag(word) {
  const tone = { pass: "pass", warn: "warn", fail: "fail", missing: "fail", late: "late" }[word] || "pending";
  return el("span", { class: "tag " + tone }, word);
}

function goTo(id) {
  const link = el("a", { href: "#" + encodeURIComponent(id) }, id);
  return link;
}

export async function loadChecklist() {
  let checklist;
  try {
    checklist = await request("GET", "/organizers/finals");
  } catch (error) {
    return;
  }
  $("finals-tool").hidden = !checklist.rows.length;
  if (!checklist.rows.length) return;
  const m = checklist.missing;
  say(
    "finals-summary",
    plural(checklist.rows.length, "poster") + " in the final phase, " + m.complete + " complete. Missing: " +
      [plural(m.abstract, "final abstract"), plural(m.poster, "poster"), plural(m.presenter, "presenter"), plural(m.consent, "publication choice")].join(", ") +
      ". Due by " + checklist.deadline_text + ".",
  );
  const onlyMissing = $("finals-missing-only").checked;
  const rows = checklist.rows.filter((row) => !onlyMissing || row.missing.length);
  $("finals-rows").replaceChildren(
    ...rows.map((row) =>
      el(
        "tr",
        {},
        el("td", {}, goTo(row.id)),
        el("td", {}, row.title),
        el("td", {}, tag(row.abstract)),
        el("td", {}, tag(row.poster)),
        el("td", {}, row.presenter || tag("missing")),
        el("td", {}, row.consent === "missing" ? tag("missing") : row.consent),
        el("td", {}, row.missing.length ? row.missing.map((name) => WORDS[name]).join(", ") : "nothing"),
      ),
    ),
  );
  if (!rows.length) $("finals-rows").append(el("tr", {}, el("td", { colspan: "7" }, "Every poster has everything.")));
}

async function previewMail() {
  const missing = $("finals-mail-what").value;
  say("finals-mail-status", "");
  $("finals-mail-send").hidden = true;
  try {
    preview = await request("POST", "/organizers/finals/mail-missing", { missing: missing });
  } catch (error) {
    say("finals-mail-status", error.message);
    return;
  }
  const n = preview.recipients.length;
  $("finals-mail-list").replaceChildren(...preview.recipients.map((row) => el("li", {}, row.id + " " + row.title + ": missing " + row.missing.map((name) => WORDS[name]).join(", "))));
  say("finals-mail-status", n ? n + " author" + (n === 1 ? "" : "s") + " would be mailed, each once, naming what their poster still misses." : "Nobody is missing that.");
  say("finals-mail-send", "Send " + n + " mail" + (n === 1 ? "" : "s"));
  $("finals-mail-send").hidden = !n;
}

async function sendMail() {
  if (!preview) return;
  $("finals-mail-send").disabled = true;
  try {
    const sent = await request("POST", "/organizers/finals/mail-missing", { missing: preview.missing, send: preview.send_id });
    say("finals-mail-status", "Queued " + sent.sent + " mail" + (sent.sent === 1 ? "" : "s") + ". Sending the same preview again mails nobody twice.");
    $("finals-mail-send").hidden = true;
  } catch (error) {
    say("finals-mail-status", error.message);
  } finally {
    $("finals-mail-send").disabled = false;
  }
}

async function openFinal(submission, upload, button) {
  button.disabled = true;
  try {
    const query = upload.object_id ? "?object=" + encodeURIComponent(upload.object_id) : "";
    const link = await request("POST", "/organizers/submissions/" + encodeURIComponent(submission) + "/finals/" + upload.version + "/link" + query);
    const anchor = el("a", { href: link.url, target: "_blank", rel: "noopener noreferrer" }, "Open the PDF (link valid 5 minutes)");
    button.replaceWith(anchor);
    anchor.click();
  } catch (error) {
    button.disabled = false;
    say("detail-final-status", error.message);
  }
}

export function renderDetail(detail) {
  shown = detail;
  const final = detail.final;
  say("detail-final-status", "");
  $("detail-final").hidden = !final;
  if (!final) return;
  const facts = [
    ["Presenter", final.presenter || "not named yet"],
    ["May link to", final.confirmed_at ? [final.publish_abstract ? "the final abstract" : "", final.publish_poster ? "the poster" : ""].filter(Boolean).join(" and ") || "no PDF" : "not chosen yet"],
    ["Still missing", final.missing.length ? final.missing.map((name) => WORDS[name]).join(", ") : "nothing"],
    ["Due by", final.deadline ? formatUtc(final.deadline) : "no final deadline set"],
  ];
  $("detail-final-facts").replaceChildren(...facts.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
  const counted = new Set([final.abstract, final.poster].filter(Boolean).map((u) => u.kind + u.version));
  const rows = final.uploads.map((upload) => {
    const button = el("button", { type: "button", class: "button secondary small" }, "Open PDF");
    button.addEventListener("click", () => openFinal(detail.id, upload, button));
    const verdict = upload.verdict;
    const problems = verdict ? verdict.problems.map((p) => p.severity.toUpperCase() + " " + p.code + ": " + p.message).concat(verdict.notes || []) : [];
    return el(
      "tr",
      {},
      el("td", {}, (upload.kind === "poster" ? "Poster" : "Final abstract") + " " + upload.version + (counted.has(upload.kind + upload.version) ? " (counts)" : "")),
      el("td", {}, formatUtc(upload.uploaded_at)),
      el("td", {}, upload.late ? tag("late") : "no"),
      el("td", {}, verdict ? tag(verdict.outcome) : tag(upload.attention ? "needs attention" : "checking")),
      el("td", {}, problems.length ? el("ul", {}, ...problems.map((line) => el("li", {}, line))) : "No problems."),
      el("td", {}, button),
    );
  });
  $("detail-final-rows").replaceChildren(...rows);
  if (!rows.length) $("detail-final-rows").append(el("tr", {}, el("td", { colspan: "6" }, "Nothing sent yet.")));
}

async function extendFinal() {
  const value = $("final-extension-until").value;
  if (!shown || !value) {
    say("detail-final-status", "Choose the date and time to give this poster until.");
    return;
  }
  const until = utcInstant(value);
  try {
    await request("POST", "/organizers/finals/extensions", { ids: [shown.id], until: until });
    say("detail-final-status", "The final versions of " + shown.id + " are open until " + formatUtc(until) + ".");
  } catch (error) {
    const field = ((error.body && error.body.fields) || [])[0];
    say("detail-final-status", field ? field.problem : error.message);
  }
}

$("final-extend").addEventListener("click", extendFinal);
$("finals-missing-only").addEventListener("change", loadChecklist);
$("finals-mail-preview").addEventListener("click", previewMail);
$("finals-mail-send").addEventListener("click", sendMail);
