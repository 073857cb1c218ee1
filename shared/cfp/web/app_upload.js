// Uploading the abstract's PDF straight to S3 with a presigned POST: refused before sending when the
// service would refuse it, its progress shown, an expired link replaced once, S3's refusals in plain words.
import { $, describeRefusal, el, megabytes, postForm, refusal, say, serverNow } from "./common.js";
import { isOpen, refreshClosed } from "./app_deadline.js";
import { pollUntilSettled } from "./app_status.js";
import { api, state, submissionPath } from "./app_state.js";

function fileError(message) {
  const error = $("file-error");
  error.hidden = !message;
  error.replaceChildren(...(message ? [el("span", { class: "visually-hidden" }, "Error: "), message] : []));
  $("file-field").classList.toggle("has-error", Boolean(message));
  $("file").setAttribute("aria-describedby", message ? "file-hint file-error" : "file-hint");
  if (message) $("file").setAttribute("aria-invalid", "true");
  else $("file").removeAttribute("aria-invalid");
}

export async function onFileChosen() {
  const file = $("file").files[0];
  if (!file) return;
  fileError("");
  say("upload-status", "");
  const refused = await refusal(file, state.call.max_upload_bytes, "abstract");
  if (refused) {
    fileError(refused);
    $("file").value = "";
    return;
  }
  $("file").disabled = true;
  try {
    await upload(file, true);
  } finally {
    $("file").disabled = !isOpen();
    $("file").value = "";
  }
}

async function upload(file, mayRetry) {
  let ticket = state.ticket;
  state.ticket = null;
  if (!ticket || Date.parse(ticket.expires_at) - serverNow() < 30000) {
    try {
      ticket = (await api("POST", submissionPath("/upload-url"))).upload;
    } catch (error) {
      if (error.status === 403 && error.body.error === "call_closed") refreshClosed(true);
      fileError(error.message);
      return;
    }
  }
  $("upload-progress").hidden = false;
  $("progress").value = 0;
  say("progress-label", "Uploading “" + file.name + "” (" + megabytes(file.size) + ")");
  const answer = await postForm(ticket, file, (percent) => ($("progress").value = percent));
  $("upload-progress").hidden = true;
  if (answer.status >= 200 && answer.status < 300) {
    say("upload-status", "Version " + ticket.version + " is uploaded. Checking it now; the result appears above in a few seconds.");
    state.verdictKey = "";
    pollUntilSettled((view) => view.versions.some((v) => v.version === ticket.version && v.uploaded_at));
    return;
  }
  if (answer.code === "AccessDenied" && /expired/i.test(answer.message) && mayRetry) {
    say("upload-status", "The upload link had expired, so the page got a new one and is trying again.");
    await upload(file, false);
    return;
  }
  fileError(describeRefusal(answer, state.call.max_upload_bytes));
}
