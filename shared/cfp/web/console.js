// The organizers' console: sign in with a one-time link, list, sort, filter and search every submission,
// open one with its versions and PDFs, review and decide it, release the decisions, export, build a zip
// of every PDF, and show and move back dead letters. Plain ES modules, no build step; text from authors
// only ever reaches the page through textContent. This module routes between the overview and one
// submission; the others each bring one part of the page and wire its controls.
import { $ } from "./common.js";
import { clearProblem, problem, show, showSignIn, SignedOut, state, timeLeft } from "./console_core.js";
import "./console_decisions.js";
import { showDetail } from "./console_detail.js";
import "./console_detail_actions.js";
import "./console_final.js";
import "./console_operations.js";
import { redeemFragment, SIGN_IN_FRAGMENT } from "./console_signin.js";
import { focusRow, loadList } from "./console_table.js";

async function route() {
  const id = location.hash.slice(1);
  try {
    if (/^[a-z0-9]{4,40}$/.test(id)) await showDetail(id);
    else {
      if (!state.list) await loadList();
      show("overview");
      if (state.returnTo) {
        const returning = state.returnTo;
        state.returnTo = null;
        focusRow(returning);
      }
    }
  } catch (error) {
    if (error instanceof SignedOut) return showSignIn();
    problem(error.status === 404 ? "There is no submission " + id + "." : error.message);
    show("overview");
  }
}

async function openSession() {
  const response = await fetch("/organizers/session", { headers: { accept: "application/json" } });
  if (!response.ok) return showSignIn();
  const session = await response.json();
  state.signedOut = false;
  state.me = session.email;
  $("who-email").textContent = "Signed in as " + session.email;
  $("who").hidden = false;
  await route();
}

// A sign-in link pasted into the tab that asked for it changes only the fragment: no reload follows.
window.addEventListener("hashchange", async () => {
  if (!SIGN_IN_FRAGMENT.test(location.hash)) return route();
  clearProblem();
  await redeemFragment();
  await openSession();
});

async function start() {
  await redeemFragment();
  await openSession();
  setInterval(() => state.list && ($("time-left").textContent = timeLeft(state.list.deadline)), 30000);
  document.body.dataset.ready = "true";
}

start();
