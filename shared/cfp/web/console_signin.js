// Signing in and out of the console. The session is an HttpOnly cookie the page never sees; a sign-in
// link's secret arrives in the URL's fragment and is removed from it at once.
import { $ } from "./common.js";
import { api, problem, showSignIn, state } from "./console_core.js";

export const SIGN_IN_FRAGMENT = /^#signin=([A-Za-z0-9_-]+)$/;

export async function redeemFragment() {
  const match = SIGN_IN_FRAGMENT.exec(location.hash);
  if (!match) return;
  history.replaceState(null, "", location.pathname);
  const response = await fetch("/organizers/session", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ secret: match[1] }),
  });
  if (!response.ok) {
    const data = await response.json().catch(() => null);
    problem((data && data.message) || "This sign-in link does not work any more; ask for a new one.");
  }
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const field = $("email-field");
  const address = $("email").value.trim();
  field.classList.remove("has-error");
  $("email-error").hidden = true;
  $("email").removeAttribute("aria-invalid");
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
    field.classList.add("has-error");
    $("email-error").textContent = "Enter an e-mail address in the correct format, like name@example.org";
    $("email-error").hidden = false;
    $("email").setAttribute("aria-invalid", "true");
    $("email").focus();
    return;
  }
  $("send-link").disabled = true;
  try {
    const answer = await api("POST", "/organizers/sign-in", { email: address });
    $("link-sent-text").textContent = answer.message;
    $("sign-in-form").hidden = true;
    $("link-sent").hidden = false;
    $("link-sent").focus();
  } catch (error) {
    problem(error.message);
  } finally {
    $("send-link").disabled = false;
  }
});

$("sign-out").addEventListener("click", async () => {
  // The answer always makes this browser forget its cookie; a 503 (or no answer) means the server could
  // not end the session, so a copy of the cookie would still work, which the organizer must be told.
  state.signedOut = true;
  const ended = await fetch("/organizers/session", { method: "DELETE" }).then((r) => r.ok, () => false);
  state.list = null;
  showSignIn();
  if (!ended) {
    problem(
      "This browser is signed out, but the server could not end the session just now: a copy of this " +
        "browser's cookie would keep working until the session expires, within 12 hours.",
    );
  }
});
