// The organizers' console: sign in with a one-time link, list, sort, filter and search every submission,
// open one with its versions and PDFs, decide, release the decisions, export, build a zip of every PDF,
// and show and move back dead letters. Plain DOM code, no build step; text from authors only ever
// reaches the page through textContent. The session is an HttpOnly cookie the page never sees; a link's
// secret arrives in the URL's fragment and is removed at once.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const state = {
    list: null,
    records: [],
    rowsById: new Map(),
    sort: { key: "updated", dir: -1 },
    selected: new Set(),
    clockOffset: 0,
    detail: null,
    returnTo: null,
    archive: null,
    archiveTimer: null,
    releasePreview: null,
    releaseTimer: null,
    releaseChanges: null,
    deadLetters: null,
    me: null,
    signedOut: false,
  };

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "class") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  // A view still loading when its organizer signs out must not come back over the sign-in form.
  function show(section) {
    if (state.signedOut && section !== "sign-in") return;
    for (const id of ["sign-in", "overview", "detail"]) $(id).hidden = id !== section;
  }

  function problem(text) {
    const box = $("problem");
    box.replaceChildren(el("h2", {}, "There is a problem"), el("p", {}, text));
    box.hidden = false;
    box.focus();
  }

  function clearProblem() {
    $("problem").hidden = true;
  }

  class SignedOut extends Error {}

  async function api(method, path, body) {
    const options = { method, headers: { accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["content-type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const data = await response.json().catch(() => null);
    if (response.status === 401 && !path.endsWith("/session")) throw new SignedOut();
    if (!response.ok) {
      const error = new Error((data && data.message) || "The console could not answer (HTTP " + response.status + ").");
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  function when(iso) {
    if (!iso) return "";
    return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
  }

  function short(iso) {
    return iso ? iso.slice(0, 16).replace("T", " ") : "";
  }

  function timeLeft(deadline) {
    const ms = new Date(deadline).getTime() + 1000 - (Date.now() + state.clockOffset);
    if (ms <= 0) return "The call is closed";
    const minutes = Math.floor(ms / 60000);
    const days = Math.floor(minutes / 1440);
    const hours = Math.floor((minutes % 1440) / 60);
    return (days ? days + " d " : "") + hours + " h " + (minutes % 60) + " min left";
  }

  function tag(value, extra) {
    return value ? el("span", { class: "tag " + value }, (extra || value).replace(/_/g, " ")) : "";
  }

  // ---- signing in ----------------------------------------------------------------------------------

  const SIGN_IN_FRAGMENT = /^#signin=([A-Za-z0-9_-]+)$/;

  async function redeemFragment() {
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

  function showSignIn() {
    $("who").hidden = true;
    $("sign-in-form").hidden = false;
    $("link-sent").hidden = true;
    show("sign-in");
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

  // ---- the table -----------------------------------------------------------------------------------

  function rowFor(record) {
    const box = el("input", { type: "checkbox", "aria-label": "Select " + record.id });
    box.checked = state.selected.has(record.id);
    box.addEventListener("change", () => {
      if (box.checked) state.selected.add(record.id);
      else state.selected.delete(record.id);
      updateSelection();
    });
    const cells = [
      el("td", { class: "id" }, el("a", { href: "#" + record.id }, record.id)),
      el("td", { class: "title" }, record.title),
      el("td", {}, record.authors),
      el("td", {}, record.contact),
      el("td", {}, tag(record.status)),
      el("td", {}, tag(record.verdict), record.older_checker ? " (older checker)" : ""),
      el("td", {}, record.body_pages === null ? "" : String(record.body_pages)),
      el("td", {}, record.late ? tag("late", "late ×" + record.late) : ""),
      el("td", { class: "when" }, short(record.extension)),
      el("td", {}, record.conflicted ? tag("conflict", "your conflict") : record.decision ? tag(record.decision, record.decision + (record.decision_sent ? " (sent)" : "")) : ""),
      // One cell for the reviews' count and aggregates: 3,000 rows of six cells each cost the table's
      // layout more time than a sort may take.
      el("td", { class: "scores" }, reviewsText(record)),
      el("td", {}, record.my_score == null ? "" : String(record.my_score)),
      el("td", { class: "when" }, short(record.updated)),
    ];
    const row = el("tr", { "data-id": record.id, class: record.status === "withdrawn" ? "withdrawn" : "" }, el("td", {}, box), ...cells);
    row.checkbox = box;
    return row;
  }

  // One collator for every comparison: String.localeCompare builds one per call, which made sorting
  // 3,000 titles cost more than laying them out.
  const collator = new Intl.Collator();

  function reviewsText(record) {
    if (record.review_count == null) return "";
    if (record.score_mean == null) return String(record.review_count);
    return record.review_count + ": " + record.score_mean.toFixed(2) + " (" + record.score_min + "–" + record.score_max + ")";
  }

  function compare(key, dir) {
    return (a, b) => {
      const x = a[key], y = b[key];
      if (x === y) return 0;
      if (x === null || x === undefined || x === "") return 1;
      if (y === null || y === undefined || y === "") return -1;
      return (typeof x === "number" ? x - y : collator.compare(String(x), String(y))) * dir;
    };
  }

  // What the signed-in organizer may still review: live, not conflicted, its decision not released.
  function reviewable(record) {
    return record.status !== "withdrawn" && !record.conflicted && !record.decision_sent;
  }

  function unreviewed(record) {
    return reviewable(record) && record.my_score == null;
  }

  function visible() {
    const wanted = $("status-filter").value;
    const mine = $("unreviewed-filter").checked;
    const words = $("search").value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    return state.records.filter(
      (r) => (!wanted || r.status === wanted) && (!mine || unreviewed(r)) && words.every((w) => r.haystack.includes(w))
    );
  }

  // The next submission to review in the table's order (after ``current`` when given), or none.
  function nextUnreviewed(current) {
    const order = visible().sort(compare(state.sort.key, state.sort.dir));
    const all = order.length ? order : state.records;
    const start = current ? all.findIndex((r) => r.id === current) + 1 : 0;
    return [...all.slice(start), ...all.slice(0, start)].find((r) => r.id !== current && unreviewed(r)) || null;
  }

  async function goToNextUnreviewed(current) {
    if (!state.list) await loadList();
    const next = nextUnreviewed(current);
    if (next) location.hash = next.id;
    else {
      const status = current ? $("review-status") : $("review-progress");
      status.textContent = "Nothing left to review: you have reviewed every submission you may.";
    }
  }

  // Rows are built once per load and only reordered afterwards, so sorting and filtering 3,000 rows
  // moves existing elements instead of creating new ones.
  function render() {
    const shown = visible().sort(compare(state.sort.key, state.sort.dir));
    const fragment = document.createDocumentFragment();
    for (const record of shown) fragment.append(state.rowsById.get(record.id));
    $("rows").replaceChildren(fragment);
    $("shown").textContent = "Showing " + shown.length + " of " + state.records.length + " submissions.";
    for (const th of document.querySelectorAll("th[data-key]")) {
      const keys = [th.dataset.key, ...[...th.querySelectorAll("button[data-key]")].map((b) => b.dataset.key)];
      if (keys.includes(state.sort.key)) th.setAttribute("aria-sort", state.sort.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    for (const button of document.querySelectorAll("thead button[data-key]")) {
      button.setAttribute("aria-pressed", String(button.dataset.key === state.sort.key));
    }
    updateSelection();
  }

  function updateSelection() {
    const n = state.selected.size;
    $("selected-count").textContent = n ? n + " selected." : "No submissions selected.";
    $("accept-selected").disabled = $("reject-selected").disabled = n === 0;
  }

  function summarize(list) {
    $("conference").textContent = list.conference + ": organizers";
    $("time-left").textContent = timeLeft(list.deadline);
    $("deadline-text").textContent = "Deadline: " + list.deadline_text;
    const counts = $("counts");
    counts.replaceChildren(
      el("li", {}, el("strong", {}, String(list.rows.length)), "in all"),
      ...Object.entries(list.counts).sort().map(([status, n]) => el("li", {}, el("strong", {}, String(n)), status.replace(/_/g, " ")))
    );
    const filter = $("status-filter");
    const current = filter.value;
    filter.replaceChildren(el("option", { value: "" }, "Every status"), ...Object.keys(list.counts).sort().map((s) => el("option", { value: s }, s.replace(/_/g, " "))));
    filter.value = current in list.counts ? current : "";
    const live = state.records.filter(reviewable);
    const left = live.filter(unreviewed).length;
    $("review-progress").textContent =
      "You have reviewed " + (live.length - left) + " of " + live.length + " submissions; " + left + " to go.";
    const d = list.decisions;
    $("decisions-summary").textContent =
      d.accepted + " accepted, " + d.rejected + " rejected, " + d.undecided + " undecided; " + d.unsent + " decided but not released.";
  }

  async function loadList() {
    const list = await api("GET", "/organizers/submissions");
    state.list = list;
    state.clockOffset = new Date(list.now).getTime() - Date.now();
    state.records = list.rows.map((row) => {
      const record = {};
      list.columns.forEach((name, i) => (record[name] = row[i]));
      record.haystack = (record.id + " " + record.title + " " + record.authors).toLowerCase();
      return record;
    });
    const known = new Set(state.records.map((r) => r.id));
    for (const id of state.selected) if (!known.has(id)) state.selected.delete(id);
    state.rowsById = new Map(state.records.map((r) => [r.id, rowFor(r)]));
    summarize(list);
    render();
    await loadDeadLetters();
    document.dispatchEvent(new CustomEvent("cfp:overview"));
  }

  // Each column header sorts by its key; the reviews' header also by each aggregate (its buttons' keys).
  for (const button of document.querySelectorAll("thead th[data-key] button")) {
    button.addEventListener("click", () => {
      const key = button.dataset.key || button.closest("th").dataset.key;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      render();
    });
  }
  $("search").addEventListener("input", render);
  $("status-filter").addEventListener("change", render);
  $("unreviewed-filter").addEventListener("change", render);
  $("next-unreviewed").addEventListener("click", () => goToNextUnreviewed(null));
  $("filters").addEventListener("submit", (event) => event.preventDefault());
  $("select-all").addEventListener("change", () => {
    for (const record of visible()) {
      if ($("select-all").checked) state.selected.add(record.id);
      else state.selected.delete(record.id);
      state.rowsById.get(record.id).checkbox.checked = $("select-all").checked;
    }
    updateSelection();
  });

  // ---- decisions -----------------------------------------------------------------------------------

  async function decide(ids, decision, note, status) {
    clearProblem();
    try {
      let answer = await api("POST", "/organizers/decisions", { ids, decision, note });
      // Many at once are applied by a job: follow it until every one is recorded.
      while (answer.state === "applying") {
        status.textContent = "Recording " + decision + " for " + ids.length + " submissions…";
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const job = await api("GET", "/organizers/decisions/" + answer.job);
        status.textContent = "Recording " + decision + ": " + job.done + " of " + job.total + "…";
        if (job.state === "done") answer = { decided: ids, state: "done" };
      }
      status.textContent = answer.decided.length + " marked " + decision + ". Nothing is sent until you release the decisions.";
      state.selected.clear();
      $("select-all").checked = false;
      await loadList();
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  }

  $("accept-selected").addEventListener("click", () => decide([...state.selected], "accepted", $("bulk-note").value, $("release-status")));
  $("reject-selected").addEventListener("click", () => decide([...state.selected], "rejected", $("bulk-note").value, $("release-status")));

  // A preview is recorded under an id: sending names it, so exactly the mails shown go out. The release
  // runs on its own; the page asks about it once a second and shows how far it has come.
  $("release").addEventListener("click", async () => {
    clearProblem();
    try {
      const preview = await api("POST", "/organizers/releases", { with_reviews: $("release-with-reviews").checked });
      state.releasePreview = preview.release_id;
      const box = $("release-preview");
      $("release-summary").textContent = preview.pending
        ? preview.pending + " decision mail" + (preview.pending === 1 ? "" : "s") + " will be sent, one per submission" +
          (preview.corrections ? ", " + preview.corrections + " of them correcting a decision sent before" : "") +
          (preview.undecided ? "; " + preview.undecided + " submissions are still undecided and get nothing." : ".") +
          (preview.conflicted ? " " + preview.conflicted + " of them concern submissions you declared a conflict with: not shown to you." : "")
        : "Every decision has been sent already.";
      $("release-mails").replaceChildren(
        ...preview.mails.map((m) =>
          el("div", { class: "release-mail" },
            el("h4", {}, m.count + " × " + m.decision + " (example: " + m.example_id + ")"),
            el("p", {}, el("strong", {}, "Subject: "), m.subject),
            el("pre", {}, m.text))
        )
      );
      $("release-yes").hidden = !preview.pending;
      box.hidden = false;
      box.focus();
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  });
  $("release-no").addEventListener("click", () => ($("release-preview").hidden = true));

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function showRelease(release) {
    const bar = $("release-progress");
    $("release-job").hidden = false;
    bar.max = Math.max(release.total, 1);
    bar.value = release.total ? release.done : 1;
    bar.setAttribute("aria-valuetext", release.done + " of " + release.total);
    const changes = release.changes || state.releaseChanges;
    if (release.changes) state.releaseChanges = release.changes;
    const since = [];
    if (changes && changes.decided_since.length) since.push(plural(changes.decided_since.length, "decision") + " made since the preview (not in it)");
    if (changes && changes.changed_since.length) since.push(plural(changes.changed_since.length, "submission") + " changed since the preview (left out)");
    if (changes && changes.sent_since.length) since.push(plural(changes.sent_since.length, "mail") + " sent by another release meanwhile");
    const text = (release.state === "done"
      ? "Sent " + plural(release.sent.length, "decision mail") + "."
      : "Sending: " + release.done + " of " + release.total + " gone through, " + release.sent.length + " sent.") +
      (since.length ? " Changed since the preview: " + since.join("; ") + ". Release again to send them." : "") +
      (release.message ? " " + release.message : "");
    if ($("release-status").textContent !== text) $("release-status").textContent = text;
    clearTimeout(state.releaseTimer);
    if (release.state !== "done") state.releaseTimer = setTimeout(() => followRelease(release.id), 1000);
    else loadList();
  }

  async function followRelease(id) {
    try {
      showRelease(await api("GET", "/organizers/releases/" + id));
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  }

  $("release-yes").addEventListener("click", async () => {
    $("release-yes").disabled = true;
    try {
      state.releaseChanges = null;
      const release = await api("POST", "/organizers/releases/" + state.releasePreview + "/send");
      $("release-preview").hidden = true;
      showRelease(release);
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    } finally {
      $("release-yes").disabled = false;
    }
  });

  // ---- the archive of every PDF ---------------------------------------------------------------------

  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(bytes < 1e7 ? 1 : 0) + " MB";
  }

  // The job is asked about once a second while it is queued or building; its progress bar and status
  // follow it, and a finished zip is offered through a link presigned when it is asked for.
  function showArchive(job) {
    state.archive = job;
    const bar = $("archive-progress");
    $("archive-job").hidden = false;
    if (job.total === null) {
      bar.removeAttribute("value");
      bar.removeAttribute("aria-valuetext");
    } else {
      bar.max = Math.max(job.total, 1);
      bar.value = job.total ? job.done : 1;
      bar.setAttribute("aria-valuetext", job.done + " of " + job.total + " files");
    }
    const texts = {
      queued: "Queued: the zip will be built in a moment.",
      building: job.total === null ? "Counting the files…" : job.done + " of " + job.total + " files zipped.",
      done: "Done: " + job.total + " file" + (job.total === 1 ? "" : "s") + ", " + megabytes(job.size || 0) + ". The zip is kept until " + when(job.expires_at) + ".",
      failed: "Failed. " + job.message,
    };
    const text = texts[job.state] + (job.state === "building" && job.message ? " " + job.message : "");
    if ($("archive-status").textContent !== text) $("archive-status").textContent = text;
    $("archive-download").hidden = job.state !== "done";
    $("archive-start").disabled = job.state === "queued" || job.state === "building";
    if (job.state === "queued" || job.state === "building") {
      clearTimeout(state.archiveTimer);
      state.archiveTimer = setTimeout(followArchive, 1000);
    }
  }

  async function followArchive() {
    try {
      showArchive(await api("GET", "/organizers/archives/" + state.archive.id));
    } catch (error) {
      $("archive-start").disabled = false;
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  }

  $("archive-start").addEventListener("click", async () => {
    clearProblem();
    $("archive-start").disabled = true;
    try {
      showArchive(await api("POST", "/organizers/archives", { include_late: $("archive-late").checked, contents: $("archive-contents").value }));
    } catch (error) {
      $("archive-start").disabled = false;
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  });

  $("archive-download").addEventListener("click", async () => {
    clearProblem();
    try {
      const link = await api("POST", "/organizers/archives/" + state.archive.id + "/link");
      el("a", { href: link.url, rel: "noopener noreferrer" }).click();
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  });

  // ---- dead letters: show, then move back after a confirmation -------------------------------------

  async function loadDeadLetters() {
    const waiting = await api("GET", "/organizers/dead-letters");
    $("dead-letters").replaceChildren(
      ...Object.entries(waiting).map(([name, n]) => {
        const button = el("button", { type: "button", class: "button secondary small", "aria-label": "Show the " + name + " dead letters" }, "Show");
        button.addEventListener("click", () => showDeadLetters(name));
        return el("li", {}, el("span", {}, name + ": " + n + " waiting"), button);
      })
    );
  }

  async function showDeadLetters(name) {
    clearProblem();
    try {
      const listing = await api("GET", "/organizers/dead-letters/" + encodeURIComponent(name));
      state.deadLetters = listing;
      const n = listing.count;
      $("dead-letter-title").textContent = n + " message" + (n === 1 ? "" : "s") + " in the " + name + " dead-letter queue" + (listing.shown.length < n ? " (the oldest " + listing.shown.length + " shown)" : "");
      $("dead-letter-rows").replaceChildren(
        ...(listing.shown.length
          ? listing.shown.map((m) => el("tr", {}, el("td", { class: "id" }, m.message_id), el("td", { class: "when" }, when(m.sent_at)), el("td", {}, String(m.deliveries)), el("td", {}, m.about)))
          : [el("tr", {}, el("td", { colspan: "4" }, "Nothing waits here."))])
      );
      $("redrive-ask").textContent = "Move " + n + " back…";
      $("redrive-ask").hidden = n === 0;
      $("redrive-confirm").hidden = true;
      $("dead-letter-detail").hidden = false;
      $("dead-letter-detail").focus();
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  }

  $("redrive-ask").addEventListener("click", () => {
    const listing = state.deadLetters;
    $("redrive-question").textContent = "Move " + listing.count + " message" + (listing.count === 1 ? "" : "s") + " back to the " + listing.queue + " queue, where " + (listing.count === 1 ? "it is" : "they are") + " tried again?";
    $("redrive-confirm").hidden = false;
    $("redrive-yes").focus();
  });
  $("redrive-no").addEventListener("click", () => {
    $("redrive-confirm").hidden = true;
    $("redrive-ask").focus();
  });
  $("redrive-yes").addEventListener("click", async () => {
    $("redrive-yes").disabled = true;
    try {
      const result = await api("POST", "/organizers/dead-letters/" + encodeURIComponent(state.deadLetters.queue) + "/redrive");
      $("dead-letter-detail").hidden = true;
      $("dead-letter-status").textContent = "Moved " + result.moved + " message" + (result.moved === 1 ? "" : "s") + " back to the " + result.queue + " queue.";
      await loadDeadLetters();
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    } finally {
      $("redrive-yes").disabled = false;
    }
  });

  // ---- one submission ------------------------------------------------------------------------------

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

  async function showDetail(id) {
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
    fact(facts, "Created", when(d.created_at));
    fact(facts, "Updated", when(d.updated_at));
    fact(facts, "Withdrawn", when(d.withdrawn_at));
    fact(facts, "Deadline", when(d.deadline));
    if (d.extension_until) fact(facts, "Extension", when(d.extension_until) + ", granted by " + d.extension_granted_by);
    // Refusals at sending and SES's later bounces and complaints, one line each, as recorded.
    if (d.bounced.length) facts.append(el("dt", {}, "Bounces and complaints"), ...d.bounced.map((line) => el("dd", {}, line)));
    $("detail-abstract").textContent = d.abstract;
    const conflicted = Boolean(d.standing && d.standing.conflicted);
    $("detail-decision").textContent = conflicted
      ? "You declared a conflict with this submission: its decision and reviews are not shown to you."
      : d.decision
      ? d.decision + " by " + d.decided_by + " on " + when(d.decided_at) + (d.decision_sent ? "; mailed to the authors." : "; not released yet.") + (d.decision_note ? " Note: " + d.decision_note : "")
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
          el("td", {}, when(v.uploaded_at)),
          el("td", {}, v.late ? tag("late") : "no"),
          el("td", {}, verdictCell(v)),
          el("td", {}, problemsCell(v)),
          el("td", {}, button));
      })
    );
    if (!d.versions.some((v) => v.uploaded_at)) $("detail-versions").append(el("tr", {}, el("td", { colspan: "6" }, "Nothing uploaded yet.")));
    $("detail-history").replaceChildren(
      ...(d.history.length ? d.history.map((h) => el("li", {}, when(h.at) + ": " + h.by + " " + h.action + (h.detail ? " (" + h.detail + ")" : ""))) : [el("li", {}, "No changes by organizers.")])
    );
    document.dispatchEvent(new CustomEvent("cfp:detail", { detail: d }));
    show("detail");
    $("detail-title").setAttribute("tabindex", "-1");
    $("detail-title").focus();
  }

  // ---- reviews -------------------------------------------------------------------------------------

  function radios(container, name, scale, chosen) {
    container.replaceChildren(
      ...Object.entries(scale).map(([value, meaning]) => {
        const input = el("input", { type: "radio", name, id: name + "-" + value, value });
        input.checked = String(chosen) === value;
        return el("div", { class: "radio" }, input, el("label", { for: name + "-" + value }, value + ": " + meaning));
      })
    );
  }

  function chosen(name) {
    const input = document.querySelector("input[name=" + name + "]:checked");
    return input ? Number(input.value) : null;
  }

  function fieldError(name, text) {
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
    $("review-form-heading").textContent = mine ? "Your review (submitted " + when(mine.updated_at) + ")" : "Your review";
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
          el("p", {}, el("strong", {}, r.organizer), ": merit " + r.score + ", confidence " + r.confidence + " (" + when(r.updated_at) + ")"),
          r.for_authors ? el("p", {}, "For the authors: " + r.for_authors) : null,
          r.for_organizers ? el("p", {}, "For the organizers: " + r.for_organizers) : null))
    );
    $("comment-list").replaceChildren(
      ...(d.comments.length
        ? d.comments.map((c) => el("li", {}, el("p", {}, el("strong", {}, c.organizer), " " + when(c.at)), el("p", {}, c.text)))
        : [el("li", {}, mine ? "No comments yet." : "No comments of yours yet.")])
    );
  }

  async function reviewAction(request, done) {
    clearProblem();
    try {
      await request();
      state.list = null;
      await showDetail(state.detail.id);
      $("review-status").textContent = done;
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
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

  // ---- the public program --------------------------------------------------------------------------

  $("program-publish").addEventListener("click", async () => {
    clearProblem();
    $("program-publish").disabled = true;
    try {
      const published = await api("POST", "/organizers/program/publish");
      const kinds = { added: 0, withdrawn: 0, changed: 0 };
      for (const change of published.changelog) kinds[change.kind] += 1;
      $("program-status").textContent =
        "Published " + plural(published.posters, "poster") + " (" + kinds.added + " added, " + kinds.withdrawn +
        " withdrawn, " + kinds.changed + " changed since the last publication).";
    } catch (error) {
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    } finally {
      $("program-publish").disabled = false;
    }
  });
  $("board-save").addEventListener("click", () => {
    const board = $("board-input").value.trim();
    if (!board) return problem("Enter the board, such as P12.");
    detailAction(
      () => api("PUT", "/organizers/submissions/" + state.detail.id + "/board", { board }),
      "Board " + board + " is recorded; it is public at the next publication."
    );
  });

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
      if (error instanceof SignedOut) return showSignIn();
      problem(error.message);
    }
  }

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
    const until = (value.length === 16 ? value + ":00" : value) + "Z";
    detailAction(
      () => api("POST", "/organizers/extensions", { ids: [state.detail.id], until }),
      "Extended until " + when(until) + "."
    );
  });

  // ---- routing -------------------------------------------------------------------------------------

  async function route() {
    const id = location.hash.slice(1);
    try {
      if (/^[a-z0-9]{4,40}$/.test(id)) await showDetail(id);
      else {
        if (!state.list) await loadList();
        show("overview");
        if (state.returnTo) {
          const row = state.rowsById.get(state.returnTo);
          state.returnTo = null;
          if (row) row.querySelector("a").focus();
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
})();
