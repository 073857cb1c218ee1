// A submission as the authors' page shows it: the form filled in, the format check's verdict and the
// uploads, what the public program lists, the final phase; and asking again until every upload is checked.
import { $, el, formatInstant, formatLocal, megabytes, plural, problemList, say } from "./common.js";
import { refreshClosed, tick } from "./app_deadline.js";
import { fillForm } from "./app_form.js";
import { api, manageLink, state, submissionPath } from "./app_state.js";
import { renderFinal } from "./final.js";

export function applyView(view, refill) {
  const first = state.view === null;
  state.view = view;
  if (first || refill) fillForm(view);
  document.title = view.title + " – " + state.call.conference;
  say("heading", "Your poster submission");
  say("form-heading", "Your poster");
  say("save", "Save changes");
  $("manage").hidden = false;
  $("manage-link").value = manageLink();
  $("status-section").hidden = false;
  $("withdraw-section").hidden = view.status === "withdrawn";
  say("withdraw-title", "“" + view.title + "”");
  $("upload-section").hidden = view.status === "withdrawn";
  renderVerdict(view);
  renderListing(view.public_listing);
  renderFinal(view.final, view);
  refreshClosed(false);
  tick();
  if (pendingVersions(view).length && !state.pollTimer) pollUntilSettled(null);
}

// What the public program lists about an accepted poster: shown as text, like everything authors wrote.
function renderListing(listing) {
  $("public-section").hidden = !listing;
  if (!listing) return;
  const rows = [
    ["Board", listing.board || "given when the program is first published"],
    ["Session", listing.session ? formatLocal(Date.parse(listing.session.start)) + " to " + formatLocal(Date.parse(listing.session.end)) : "not set"],
    ["Title", listing.title],
    ["Authors", listing.authors.map((a) => a.name + (a.affiliation ? " (" + a.affiliation + ")" : "")).join("; ")],
    ["Abstract", listing.abstract],
    [
      "PDFs",
      listing.pdfs.length
        ? "links to your " + listing.pdfs.map((name) => (name === "abstract" ? "final abstract" : "poster")).join(" and ")
        : "none (you choose below, once the final versions are in and pass their check)",
    ],
  ];
  $("public-listing").replaceChildren(...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
}

// Uploads on record and not judged yet, first versions and final ones alike.
function pendingVersions(view) {
  const uploads = view.versions.concat(view.final ? view.final.uploads : []);
  return uploads.filter((v) => v.uploaded_at && !v.verdict && !v.attention);
}

const STATUS_TEXT = {
  awaiting_upload: ["pending", "No PDF yet", "Upload the PDF of your abstract below."],
  validating: ["pending", "Checking", "Your PDF is being checked; the result appears here in a few seconds."],
  pass: ["pass", "pass", "Your PDF meets the format rules. Nothing more is needed."],
  warn: ["warn", "warn", "Your PDF is accepted, with warnings you may want to address."],
  fail: ["fail", "fail", "Your PDF does not meet the format rules. Fix the problems below and upload a new version."],
  late: ["fail", "late", "Only uploads after the deadline are on record; they are kept for the organizers but do not count."],
  needs_attention: ["warn", "needs attention", "Your PDF could not be checked automatically; the organizers have been told."],
  withdrawn: ["pending", "withdrawn", "This submission is withdrawn. The organizers keep its files."],
};

function renderVerdict(view) {
  const verdict = view.verdict;
  const key = JSON.stringify([view.status, view.current_version, verdict, view.versions.length]);
  if (key === state.verdictKey) return;
  state.verdictKey = key;
  const [tone, word, sentence] = STATUS_TEXT[view.status] || ["pending", view.status, ""];
  const parts = [el("p", { class: "verdict-summary" }, el("span", { class: "outcome " + tone }, word), " ", sentence)];
  if (verdict && view.status !== "validating") parts.push(...verdictDetails(view, verdict));
  if (view.versions.some((v) => v.uploaded_at)) parts.push(versionsList(view));
  $("verdict").replaceChildren(...parts);
}

function verdictDetails(view, verdict) {
  const facts = el("dl", { class: "facts" });
  const add = (term, value) => facts.append(el("dt", {}, term), el("dd", {}, value));
  const checked = view.versions.find((v) => v.version === view.current_version);
  if (checked) add("Checked", "Version " + checked.version + (checked.size ? ", " + megabytes(checked.size) : ""));
  if (verdict.pages !== null) add("Pages", String(verdict.pages));
  if (verdict.body_pages !== null) {
    add("Body pages", verdict.body_pages + " (the limit is " + state.call.max_body_pages + ")");
  }
  const references = verdict.facts && verdict.facts.references;
  add(
    "References",
    references
      ? "found on page " + references.page + " under the heading “" + references.heading + "”" +
          (references.body_above ? " (body text above it counts)" : "")
      : "no references heading found",
  );
  const parts = [facts];
  if (verdict.problems.length) {
    parts.push(el("h3", {}, plural(verdict.problems.length, "problem")), problemList(verdict.problems));
  }
  return parts;
}

function versionsList(view) {
  const list = el("ul", { class: "versions", "aria-label": "Uploaded versions" });
  for (const v of view.versions.filter((x) => x.uploaded_at).reverse()) {
    const outcome = v.verdict ? v.verdict.outcome : v.attention ? "needs attention" : "being checked";
    const late = v.late ? ", late: kept but not counted" : "";
    list.append(el("li", {}, "Version " + v.version + ": uploaded " + formatInstant(Date.parse(v.uploaded_at)) + ", " + outcome + late));
  }
  return el("div", {}, el("h3", {}, "Uploads"), list);
}

// Ask again until the upload awaited (``arrived``, a test on the view; null for none) is on record and
// nothing is left to check.
export function pollUntilSettled(arrived) {
  clearTimeout(state.pollTimer);
  const started = Date.now();
  let delay = 800;
  const step = async () => {
    state.pollTimer = null;
    try {
      const view = await api("GET", submissionPath());
      applyView(view, false);
      if (view.status === "withdrawn" || ((arrived === null || arrived(view)) && !pendingVersions(view).length)) {
        say("upload-status", "");
        return;
      }
    } catch (error) {
      if (error.status === 401) return;
    }
    if (Date.now() - started > 10 * 60 * 1000) {
      say("upload-status", "The check is taking longer than usual. Open your manage link later to see the result.");
      return;
    }
    delay = Math.min(delay * 1.5, 15000);
    state.pollTimer = setTimeout(step, delay);
  };
  state.pollTimer = setTimeout(step, delay);
}

export async function openSubmission(key) {
  state.id = key.id;
  state.token = key.token;
  try {
    applyView(await api("GET", submissionPath()), true);
  } catch (error) {
    state.id = state.token = null;
    const message =
      error.status === 401
        ? "This manage link does not open a submission. Copy the whole link from your receipt mail, or start a new submission."
        : error.message;
    const start = el("a", { href: "/" }, "Start a new submission");
    $("load-error").replaceChildren(el("p", {}, message), el("p", {}, start));
    $("load-error").hidden = false;
    $("form").hidden = true;
    $("load-error").focus();
  }
}
