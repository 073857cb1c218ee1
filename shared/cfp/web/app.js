// The authors' page: create a submission, upload its PDF straight to S3, follow the format check, and
// for an accepted poster send its final versions. Plain ES modules with no build step. Text from people or
// PDFs only ever reaches the page through textContent, never as HTML. The token lives in the URL's
// fragment and in memory, nowhere else. This module loads the call and wires the page's controls; the
// helpers it shares with the console come from common.js.
import { $, el, megabytes, plural, say, setServerNow } from "./common.js";
import { refreshClosed, tick } from "./app_deadline.js";
import { addAuthor, renumberAuthors, updateCount } from "./app_form.js";
import { applyView, openSubmission, pollUntilSettled } from "./app_status.js";
import { api, readFragment, state, submissionPath } from "./app_state.js";
import { askWithdraw, keepSubmission, onSubmit, withdraw } from "./app_submission.js";
import { onFileChosen } from "./app_upload.js";
import { setUpFinal } from "./final.js";

function showCall() {
  const call = state.call;
  say("conference", call.conference);
  document.title = "Submit a poster – " + call.conference;
  say("title-hint", "Up to " + call.limits.title + " characters.");
  say("authors-hint", "In the order they appear on the poster, up to " + call.limits.authors + ". E-mail and affiliation are optional.");
  say("abstract-hint", "Plain text, up to " + call.limits.abstract + " characters.");
  say(
    "file-hint",
    "A PDF of at most " + megabytes(call.max_upload_bytes) + ", with at most " + plural(call.max_body_pages, "page") +
      " before the references (the references may follow on further pages). Choosing a file uploads it at once.",
  );
  $("deadline").hidden = false;
  updateCount();
}

async function copyLink() {
  const field = $("manage-link");
  try {
    await navigator.clipboard.writeText(field.value);
    say("copy-status", "The link is copied. Keep it somewhere safe.");
  } catch (error) {
    field.select();
    say("copy-status", "Press Ctrl+C (or ⌘C) to copy the selected link.");
  }
}

async function start() {
  $("form").addEventListener("submit", onSubmit);
  $("add-author").addEventListener("click", () => addAuthor(null, true));
  $("abstract").addEventListener("input", updateCount);
  $("file").addEventListener("change", onFileChosen);
  $("copy-link").addEventListener("click", copyLink);
  $("withdraw").addEventListener("click", askWithdraw);
  $("withdraw-no").addEventListener("click", keepSubmission);
  $("withdraw-yes").addEventListener("click", withdraw);
  window.addEventListener("hashchange", () => location.reload());
  setUpFinal({
    api: api,
    path: submissionPath,
    settle: (arrived) => pollUntilSettled(arrived),
    apply: (view) => applyView(view, false),
  });
  addAuthor(null, false);
  try {
    state.call = await api("GET", "/call");
  } catch (error) {
    $("load-error").replaceChildren(el("p", {}, "The call’s details could not be loaded: " + error.message + " Reload the page to try again."));
    $("load-error").hidden = false;
    $("form").hidden = true;
    return;
  }
  setServerNow(state.call.now);
  showCall();
  renumberAuthors();
  const key = readFragment();
  if (key) await openSubmission(key);
  refreshClosed(false);
  tick();
  setInterval(tick, 1000);
  document.body.dataset.ready = "true";
}

start();
