// What an organizer does to the submission shown: review it, declare or lift a conflict, discuss it,
// decide it, set its board, resend its mails and extend its deadline. Each action shows the submission
// again as the API now describes it.
import { $, formatUtc } from "./common.js";
import { api, clearProblem, failed, problem, state, utcInstant } from "./console_core.js";
import { decide } from "./console_decisions.js";
import { fieldError, showDetail } from "./console_detail.js";
import { goToNextUnreviewed } from "./console_table.js";

// ---- reviews -----------------------------------------------------------------------------------

function chosen(name) {
  const input = document.querySelector("input[name=" + name + "]:checked");
  return input ? Number(input.value) : null;
}

async function reviewAction(request, done) {
  clearProblem();
  try {
    await request();
    state.list = null;
    await showDetail(state.detail.id);
    $("review-status").textContent = done;
  } catch (error) {
    failed(error);
  }
}

$("review-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const score = chosen("score"), confidence = chosen("confidence");
  fieldError("score", score === null ? "Choose an overall merit score." : "");
  fieldError("confidence", confidence === null ? "Choose how confident you are." : "");
  if (score === null || confidence === null) {
    $((score === null ? "score" : "confidence") + "-1").focus();
    return;
  }
  const body = { score, confidence, for_authors: $("review-for-authors").value, for_organizers: $("review-for-organizers").value };
  reviewAction(() => api("PUT", "/organizers/submissions/" + state.detail.id + "/review", body), "Your review is saved.");
});
$("review-withdraw").addEventListener("click", () =>
  reviewAction(() => api("DELETE", "/organizers/submissions/" + state.detail.id + "/review"), "Your review is withdrawn.")
);
$("conflict-toggle").addEventListener("click", () => {
  const conflicted = !(state.detail.standing && state.detail.standing.conflicted);
  reviewAction(
    () => api("PUT", "/organizers/submissions/" + state.detail.id + "/conflict", { conflicted }),
    conflicted ? "Your conflict is declared." : "Your conflict is lifted."
  );
});
$("conflict-dismiss").addEventListener("click", () =>
  reviewAction(() => api("PUT", "/organizers/submissions/" + state.detail.id + "/conflict", { conflicted: false }), "Noted: no conflict.")
);
$("comment-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("comment-text").value.trim();
  if (!text) return problem("Write the comment before posting it.");
  reviewAction(async () => {
    await api("POST", "/organizers/submissions/" + state.detail.id + "/comments", { text });
    $("comment-text").value = "";
  }, "Your comment is posted.");
});
$("detail-next").addEventListener("click", () => goToNextUnreviewed(state.detail.id));

// ---- the decision, the board, the mails and the extension ---------------------------------------

$("detail-accept").addEventListener("click", async () => {
  await decide([state.detail.id], "accepted", $("detail-note").value, $("detail-status"));
  await showDetail(state.detail.id);
});
$("detail-reject").addEventListener("click", async () => {
  await decide([state.detail.id], "rejected", $("detail-note").value, $("detail-status"));
  await showDetail(state.detail.id);
});

async function detailAction(request, done) {
  clearProblem();
  try {
    await request();
    $("detail-actions-status").textContent = done;
    state.list = null;
    await showDetail(state.detail.id);
    $("detail-actions-status").textContent = done;
  } catch (error) {
    failed(error);
  }
}

$("board-save").addEventListener("click", () => {
  const board = $("board-input").value.trim();
  if (!board) return problem("Enter the board, such as P12.");
  detailAction(
    () => api("PUT", "/organizers/submissions/" + state.detail.id + "/board", { board }),
    "Board " + board + " is recorded; it is public at the next publication."
  );
});

for (const what of ["receipt", "verdict"]) {
  $("resend-" + what).addEventListener("click", () =>
    detailAction(
      () => api("POST", "/organizers/submissions/" + state.detail.id + "/resend", { what }),
      "The " + what + " is on its way to the authors (within about a minute)."
    )
  );
}
$("extend").addEventListener("click", () => {
  const value = $("extension-until").value;
  if (!value) return problem("Enter the date and time the extension lasts until.");
  const until = utcInstant(value);
  detailAction(
    () => api("POST", "/organizers/extensions", { ids: [state.detail.id], until }),
    "Extended until " + formatUtc(until) + "."
  );
});
