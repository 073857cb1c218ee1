// Creating a submission, saving changes to it and withdrawing it (after a confirmation).
import { $, say } from "./common.js";
import { isOpen, refreshClosed } from "./app_deadline.js";
import { apiFieldErrors, clearErrors, readForm, showErrors, showProblem, validate } from "./app_form.js";
import { applyView } from "./app_status.js";
import { api, manageLink, newRequestKey, state, submissionPath } from "./app_state.js";

// The key of the last creation asked for, and the form it was asked for.
let createKey = "";
let createBody = "";

export async function onSubmit(event) {
  event.preventDefault();
  if (!isOpen()) return;
  const data = readForm();
  const errors = validate(data);
  if (errors.length) {
    showErrors(errors);
    return;
  }
  clearErrors();
  const button = $("save");
  button.disabled = true;
  say("save-status", state.id ? "Saving your changes…" : "Creating your submission…");
  try {
    if (!state.id) {
      // The same key for a retry of the same form, so a lost answer never makes a second submission.
      const body = JSON.stringify(data);
      if (!createKey || createBody !== body) {
        createKey = newRequestKey();
        createBody = body;
      }
      const created = await api("POST", "/submissions", data, { "Idempotency-Key": createKey });
      state.id = created.id;
      state.token = created.token;
      state.ticket = created.upload;
      history.replaceState(null, "", manageLink());
      applyView(created, true);
      say("save-status", "");
      showConfirmation();
    } else {
      applyView(await api("PATCH", submissionPath(), data), true);
      say("save-status", "Your changes are saved.");
    }
  } catch (error) {
    say("save-status", "");
    handleApiError(error);
  } finally {
    button.disabled = false;
  }
}

function handleApiError(error) {
  if (error.status === 422 && error.body.fields) showErrors(apiFieldErrors(error));
  else if (error.status === 403 && error.body.error === "call_closed") {
    refreshClosed(true);
    showProblem(error.message);
  } else showProblem(error.message);
}

function showConfirmation() {
  say("submission-id", state.id);
  $("confirmation").hidden = false;
  $("confirmation").focus();
}

// Withdrawing asks first, in a group that takes the focus; "No" gives it back to the button.
export function askWithdraw() {
  $("withdraw-confirm").hidden = false;
  $("withdraw").hidden = true;
  $("withdraw-confirm").focus();
}

export function keepSubmission() {
  $("withdraw-confirm").hidden = true;
  $("withdraw").hidden = false;
  $("withdraw").focus();
}

export async function withdraw() {
  $("withdraw-yes").disabled = true;
  try {
    const view = await api("DELETE", submissionPath());
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    applyView(view, false);
    $("status-section").focus();
  } catch (error) {
    handleApiError(error);
  } finally {
    $("withdraw-yes").disabled = false;
    $("withdraw-confirm").hidden = true;
    $("withdraw").hidden = false;
  }
}
