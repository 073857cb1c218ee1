// What every part of the organizers' console shares: what the page knows about the signed-in organizer,
// the API (whose 401 means the session is over), which view is shown, the problem box, and the words for
// statuses, instants and the time left.
import { $, ApiError, el, request, serverNow } from "./common.js";

export const state = {
  // The last listing (rows, columns, scales, deadline); null makes the next view ask for it again.
  list: null,
  // The submission shown, as the API described it.
  detail: null,
  // The submission whose row gets the focus back when the list is shown again.
  returnTo: null,
  me: null,
  signedOut: false,
};

export class SignedOut extends Error {}

export async function api(method, path, body) {
  try {
    return await request(method, path, body, { accept: "application/json" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401 && !path.endsWith("/session")) throw new SignedOut();
    throw error;
  }
}

// A view still loading when its organizer signs out must not come back over the sign-in form.
export function show(section) {
  if (state.signedOut && section !== "sign-in") return;
  for (const id of ["sign-in", "overview", "detail"]) $(id).hidden = id !== section;
}

export function problem(text) {
  const box = $("problem");
  box.replaceChildren(el("h2", {}, "There is a problem"), el("p", {}, text));
  box.hidden = false;
  box.focus();
}

export function clearProblem() {
  $("problem").hidden = true;
}

export function showSignIn() {
  $("who").hidden = true;
  $("sign-in-form").hidden = false;
  $("link-sent").hidden = true;
  show("sign-in");
}

// A request refused because the session is over brings back the sign-in form; any other failure is said.
export function failed(error) {
  if (error instanceof SignedOut) return showSignIn();
  problem(error.message);
}

export function short(iso) {
  return iso ? iso.slice(0, 16).replace("T", " ") : "";
}

export function timeLeft(deadline) {
  const ms = new Date(deadline).getTime() + 1000 - serverNow();
  if (ms <= 0) return "The call is closed";
  const minutes = Math.floor(ms / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  return (days ? days + " d " : "") + hours + " h " + (minutes % 60) + " min left";
}

export function tag(value, extra) {
  return value ? el("span", { class: "tag " + value }, (extra || value).replace(/_/g, " ")) : "";
}

// A datetime-local field's value, to the minute or to the second, as an instant in UTC.
export function utcInstant(value) {
  return (value.length === 16 ? value + ":00" : value) + "Z";
}
