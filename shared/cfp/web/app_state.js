// What the authors' page knows: the call, the submission shown and its token (from the URL's fragment or
// the answer that created it; kept in memory, nowhere else), and the API as that token opens it.
import { request } from "./common.js";

export const state = {
  call: null,
  id: null,
  token: null,
  view: null,
  // The upload link the creation's answer came with, used by the first upload.
  ticket: null,
  pollTimer: null,
  // What the format check shows, so an unchanged view is not drawn again.
  verdictKey: "",
};

export function api(method, path, body, extraHeaders) {
  return request(method, path, body, extraHeaders, state.token);
}

export function newRequestKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function submissionPath(suffix) {
  return "/submissions/" + encodeURIComponent(state.id) + (suffix || "");
}

export function manageLink() {
  return location.origin + "/#id=" + encodeURIComponent(state.id) + "&token=" + encodeURIComponent(state.token);
}

export function readFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const id = params.get("id");
  const token = params.get("token");
  return id && token ? { id: id, token: token } : null;
}
