// One submission in the console: its facts, abstract, versions with their verdicts and PDFs, its decision,
// history, and the reviews and discussion as the signed-in organizer may see them (nothing of them when
// conflicted). Author text reaches the page only as text.
import { $, el, formatUtc } from "./common.js";
import { api, clearProblem, problem, show, state, tag } from "./console_core.js";
import { renderDetail as renderFinal } from "./console_final.js";
import { loadList } from "./console_table.js";

function fact(list, name, value) {
  if (value === null || value === undefined || value === "") return;
  list.append(el("dt", {}, name), el("dd", {}, value));
}

function verdictCell(version) {
  if (!version.verdict) return version.attention ? tag("needs_attention", "needs attention") : "pending";
  if (version.older_checker) return el("span", {}, tag(version.verdict.outcome), " (measured by an older checker; checking again)");
  return tag(version.verdict.outcome);
}

function problemsCell(version) {
  const v = version.verdict;
  if (!v) return version.attention || "";
  const items = v.problems.map((p) => el("li", {}, p.message));
  const facts = [];
  if (v.pages !== null && v.pages !== undefined) facts.push(v.pages + " pages");
  if (v.body_pages !== null && v.body_pages !== undefined) facts.push(v.body_pages + " before references");
  const f = v.facts || {};
  if (f.paper) facts.push("paper " + (f.paper.name || Math.round(f.paper.width_pt) + "×" + Math.round(f.paper.height_pt) + " pt"));
  if (f.body_font_pt) facts.push("body font " + f.body_font_pt + " pt");
  if (f.columns) facts.push(f.columns + " column" + (f.columns === 1 ? "" : "s"));
  return el("div", {}, items.length ? el("ul", {}, ...items) : "No problems.", el("p", { class: "hint" }, facts.join(", ")));
}

async function openPdf(submission, version, button) {
  button.disabled = true;
  try {
    const query = version.object_id ? "?object=" + encodeURIComponent(version.object_id) : "";
    const link = await api("POST", "/organizers/submissions/" + submission + "/versions/" + version.version + "/link" + query);
    const anchor = el("a", { href: link.url, target: "_blank", rel: "noopener noreferrer" }, "Open the PDF (link valid 5 minutes)");
    button.replaceWith(anchor);
    anchor.click();
  } catch (error) {
    button.disabled = false;
    problem(error.message);
  }
}

export async function showDetail(id) {
  clearProblem();
  state.returnTo = id;
  // The list carries the review form's scales and the order "Next unreviewed" follows.
  if (!state.list) await loadList();
  const d = await api("GET", "/organizers/submissions/" + encodeURIComponent(id));
  state.detail = d;
  $("detail-title").textContent = d.title;
  const facts = $("detail-facts");
  facts.replaceChildren();
  fact(facts, "Id", d.id);
  fact(facts, "Status", tag(d.status));
  fact(facts, "Authors", d.authors.map((a) => a.name + (a.affiliation ? " (" + a.affiliation + ")" : "") + (a.email ? " <" + a.email + ">" : "")).join("; "));
  fact(facts, "Contact", d.contact_email);
  fact(facts, "Created", formatUtc(d.created_at));
  fact(facts, "Updated", formatUtc(d.updated_at));
  fact(facts, "Withdrawn", formatUtc(d.withdrawn_at));
  fact(facts, "Deadline", formatUtc(d.deadline));
  if (d.extension_until) fact(facts, "Extension", formatUtc(d.extension_until) + ", granted by " + d.extension_granted_by);
  // Refusals at sending and SES's later bounces and complaints, one line each, as recorded.
  if (d.bounced.length) facts.append(el("dt", {}, "Bounces and complaints"), ...d.bounced.map((line) => el("dd", {}, line)));
  $("detail-abstract").textContent = d.abstract;
  const conflicted = Boolean(d.standing && d.standing.conflicted);
  $("detail-decision").textContent = conflicted
    ? "You declared a conflict with this submission: its decision and reviews are not shown to you."
    : d.decision
    ? d.decision + " by " + d.decided_by + " on " + formatUtc(d.decided_at) + (d.decision_sent ? "; mailed to the authors." : "; not released yet.") + (d.decision_note ? " Note: " + d.decision_note : "")
    : "No decision yet.";
  $("decision-controls").hidden = conflicted;
  // A board for a poster the program lists: accepted, its acceptance mailed, not withdrawn.
  $("board-box").hidden = !(d.decision === "accepted" && d.decision_sent && !d.withdrawn_at);
  $("board-input").value = "";
  showReviewing(d);
  $("detail-note").value = d.decision_note || "";
  $("detail-status").textContent = "";
  $("detail-versions").replaceChildren(
    ...d.versions.filter((v) => v.uploaded_at).map((v) => {
      const button = el("button", { type: "button", class: "button secondary small" }, "Open PDF");
      button.addEventListener("click", () => openPdf(d.id, v, button));
      return el("tr", {},
        el("td", {}, "v" + v.version + (v.current ? " (on record)" : "") + (v.after_withdrawal ? " (after the withdrawal)" : "")),
        el("td", {}, formatUtc(v.uploaded_at)),
        el("td", {}, v.late ? tag("late") : "no"),
        el("td", {}, verdictCell(v)),
        el("td", {}, problemsCell(v)),
        el("td", {}, button));
    })
  );
  if (!d.versions.some((v) => v.uploaded_at)) $("detail-versions").append(el("tr", {}, el("td", { colspan: "6" }, "Nothing uploaded yet.")));
  $("detail-history").replaceChildren(
    ...(d.history.length ? d.history.map((h) => el("li", {}, formatUtc(h.at) + ": " + h.by + " " + h.action + (h.detail ? " (" + h.detail + ")" : ""))) : [el("li", {}, "No changes by organizers.")])
  );
  renderFinal(d);
  show("detail");
  $("detail-title").setAttribute("tabindex", "-1");
  $("detail-title").focus();
}

// ---- reviews -----------------------------------------------------------------------------------

function radios(container, name, scale, chosen) {
  container.replaceChildren(
    ...Object.entries(scale).map(([value, meaning]) => {
      const input = el("input", { type: "radio", name, id: name + "-" + value, value });
      input.checked = String(chosen) === value;
      return el("div", { class: "radio" }, input, el("label", { for: name + "-" + value }, value + ": " + meaning));
    })
  );
}

export function fieldError(name, text) {
  const box = $(name + "-error");
  box.textContent = text || "";
  box.hidden = !text;
  $(name + "-field").classList.toggle("has-error", Boolean(text));
}

function showReviewing(d) {
  const standing = d.standing || { conflicted: false, conflict_suggested: false, review_count: 0, my_score: null };
  const conflicted = standing.conflicted;
  $("conflict-text").textContent = conflicted
    ? "You declared a conflict with this submission. You see its details and PDF only, and cannot review, discuss or decide it."
    : standing.conflict_suggested
    ? "An author's address shares your institution's domain. Is this a conflict of interest?"
    : "If you have a conflict of interest with this submission, declare it: its reviews, discussion and decision are then hidden from you.";
  $("conflict-toggle").textContent = conflicted ? "Lift my conflict" : standing.conflict_suggested ? "Yes, declare my conflict" : "Declare a conflict";
  $("conflict-dismiss").hidden = !standing.conflict_suggested || conflicted;
  $("reviewing").hidden = conflicted;
  if (conflicted) return;
  const mine = d.reviews.find((r) => r.organizer === state.me) || null;
  const scales = state.list || { scores: {}, confidences: {} };
  radios($("score-options"), "score", scales.scores, mine && mine.score);
  radios($("confidence-options"), "confidence", scales.confidences, mine && mine.confidence);
  fieldError("score", "");
  fieldError("confidence", "");
  $("review-for-authors").value = mine ? mine.for_authors : "";
  $("review-for-organizers").value = mine ? mine.for_organizers : "";
  $("review-form-heading").textContent = mine ? "Your review (submitted " + formatUtc(mine.updated_at) + ")" : "Your review";
  $("review-save").textContent = mine ? "Save the changes" : "Submit review";
  $("review-withdraw").hidden = !mine;
  // Once the decision is mailed, reviews no longer change (the server refuses with "locked").
  $("review-form").hidden = Boolean(d.decision_sent);
  const count = standing.review_count || 0;
  $("review-summary").textContent = mine
    ? count + " review" + (count === 1 ? "" : "s") + "; mean " + standing.score_mean + ", from " + standing.score_min + " to " + standing.score_max + "."
    : count + " review" + (count === 1 ? "" : "s") + " so far. Submit yours to see the others' and the discussion.";
  $("review-list").replaceChildren(
    ...d.reviews.map((r) =>
      el("li", {},
        el("p", {}, el("strong", {}, r.organizer), ": merit " + r.score + ", confidence " + r.confidence + " (" + formatUtc(r.updated_at) + ")"),
        r.for_authors ? el("p", {}, "For the authors: " + r.for_authors) : null,
        r.for_organizers ? el("p", {}, "For the organizers: " + r.for_organizers) : null))
  );
  $("comment-list").replaceChildren(
    ...(d.comments.length
      ? d.comments.map((c) => el("li", {}, el("p", {}, el("strong", {}, c.organizer), " " + formatUtc(c.at)), el("p", {}, c.text)))
      : [el("li", {}, mine ? "No comments yet." : "No comments of yours yet.")])
  );
}
