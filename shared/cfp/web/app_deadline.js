// The deadline on the authors' page: the countdown in AoE and the reader's time, an extension when the
// submission has one, and what stays open once the call is closed.
import { $, closesAt, formatAoE, formatLeft, formatLocal, say, serverNow } from "./common.js";
import { state } from "./app_state.js";

// Whether the page last showed the call closed, and the final phase open, so a change redraws it.
let shownClosed = null;
let shownFinalOpen = false;

function deadline() {
  const general = Date.parse(state.call.deadline);
  return state.view ? Math.max(general, Date.parse(state.view.deadline)) : general;
}

export function isOpen() {
  return serverNow() < closesAt(deadline());
}

export function tick() {
  if (!state.call) return;
  const end = deadline();
  const left = closesAt(end) - serverNow();
  say("countdown", left > 0 ? formatLeft(left) + " left to submit" : "The call for posters is closed");
  say("deadline-times", "Deadline: " + formatAoE(end) + " (Anywhere on Earth), which is " + formatLocal(end) + ".");
  const extended = state.view && Date.parse(state.view.deadline) > Date.parse(state.call.deadline);
  $("extension").hidden = !extended;
  if (extended) say("extension", "You have an extension until " + formatAoE(end) + "; the call’s deadline was " + formatAoE(Date.parse(state.call.deadline)) + ".");
  if (shownClosed !== !isOpen() || shownFinalOpen !== finalOpen()) refreshClosed(false);
}

function finalOpen() {
  const final = state.view && state.view.final;
  return Boolean(final) && (!final.deadline || serverNow() < closesAt(Date.parse(final.deadline)));
}

// After the deadline nothing can be created, uploaded or edited; reading and withdrawing stay open (and,
// for an accepted poster, editing its metadata until the final deadline).
export function refreshClosed(serverSaidClosed) {
  const closed = serverSaidClosed || !isOpen();
  shownClosed = closed;
  shownFinalOpen = finalOpen();
  const withdrawn = state.view && state.view.status === "withdrawn";
  const locked = closed || withdrawn;
  // An accepted poster's title, authors and abstract stay editable through its final phase.
  const editable = !withdrawn && (!closed || finalOpen());
  $("form-fields").disabled = !editable;
  $("save").hidden = !editable;
  $("file").disabled = locked;
  $("form").hidden = closed && !state.view;
  const notice = $("closed");
  if (withdrawn) {
    notice.textContent = "This submission was withdrawn on " + formatAoE(Date.parse(state.view.withdrawn_at)) + ". You can still read it here.";
  } else if (closed && editable) {
    notice.textContent =
      "The call for posters closed at " + formatAoE(deadline()) + ". Your poster was accepted: until the final deadline you can " +
      "still correct its title, authors, affiliations and abstract here, as the public program shows them.";
  } else if (closed) {
    notice.textContent =
      "The call for posters closed at " + formatAoE(deadline()) + ". New submissions, uploads and edits are no longer accepted" +
      (state.view ? "; you can still read your submission here and withdraw it." : ".");
  }
  notice.hidden = !locked;
  if (closed && !withdrawn && state.view) $("upload-section").hidden = true;
}
