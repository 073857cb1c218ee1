// The authors' page: create a submission, upload its PDF straight to S3, follow the format check.
// Plain DOM code with no build step. Text from people or PDFs only ever reaches the page through
// textContent, never as HTML. The token lives in the URL's fragment and in memory, nowhere else.
// An ES module (strict by itself): the helpers it shares with the final phase come from common.js.
import {
  $,
  chars,
  closesAt,
  describeRefusal,
  el,
  formatAoE,
  formatInstant,
  formatLeft,
  formatLocal,
  megabytes,
  plural,
  postForm,
  problemList,
  refusal,
  request,
  say,
  serverNow,
  setServerNow,
} from "./common.js";
import { renderFinal, setUpFinal } from "./final.js";

(function () {
  const EMAIL = /^[^@\s<>(),;:"[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$/;
  const state = {
    call: null,
    id: null,
    token: null,
    view: null,
    ticket: null,
    pollTimer: null,
    verdictKey: "",
    closed: null,
    finalOpen: false,
    createKey: "",
    createBody: "",
  };

  // ---- the API ------------------------------------------------------------------------------------

  function api(method, path, body, extraHeaders) {
    return request(method, path, body, extraHeaders, state.token);
  }

  function newRequestKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function submissionPath(suffix) {
    return "/submissions/" + encodeURIComponent(state.id) + (suffix || "");
  }

  function manageLink() {
    return location.origin + "/#id=" + encodeURIComponent(state.id) + "&token=" + encodeURIComponent(state.token);
  }

  function readFragment() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const id = params.get("id");
    const token = params.get("token");
    return id && token ? { id: id, token: token } : null;
  }

  // ---- the form: fields, author rows, errors ------------------------------------------------------

  const LABELS = { name: "Name", email: "E-mail", affiliation: "Affiliation" };

  function authorRows() {
    return Array.from($("author-rows").children);
  }

  function addAuthor(author, focus) {
    const row = $("author-row").content.firstElementChild.cloneNode(true);
    for (const input of row.querySelectorAll("[data-field]")) {
      input.value = (author && author[input.dataset.field]) || "";
    }
    row.addEventListener("click", onRowAction);
    $("author-rows").append(row);
    renumberAuthors();
    if (focus) row.querySelector("[data-field=name]").focus();
  }

  // Ids follow the API's field names (authors.0.email -> authors-0-email), so its errors find their field.
  function renumberAuthors() {
    const rows = authorRows();
    rows.forEach((row, index) => {
      const number = index + 1;
      row.querySelector(".author-legend").textContent = "Author " + number;
      for (const input of row.querySelectorAll("[data-field]")) {
        const name = input.dataset.field;
        input.id = "authors-" + index + "-" + name;
        input.name = input.id;
        row.querySelector("[data-for=" + name + "]").setAttribute("for", input.id);
        row.querySelector("[data-error=" + name + "]").id = input.id + "-error";
      }
      const [up, down, remove] = row.querySelectorAll("[data-action]");
      up.disabled = index === 0;
      down.disabled = index === rows.length - 1;
      remove.disabled = rows.length === 1;
      up.setAttribute("aria-label", "Move up author " + number);
      down.setAttribute("aria-label", "Move down author " + number);
      remove.setAttribute("aria-label", "Remove author " + number);
    });
    $("add-author").disabled = state.call !== null && rows.length >= state.call.limits.authors;
  }

  function onRowAction(event) {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const row = button.closest(".author-row");
    const action = button.dataset.action;
    if (action === "up" && row.previousElementSibling) row.previousElementSibling.before(row);
    if (action === "down" && row.nextElementSibling) row.nextElementSibling.after(row);
    if (action === "remove") {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumberAuthors();
      (next ? next.querySelector("[data-field=name]") : $("add-author")).focus();
      return;
    }
    renumberAuthors();
    const same = row.querySelector("[data-action=" + action + "]");
    (same.disabled ? row.querySelector("[data-field=name]") : same).focus();
  }

  function readForm() {
    return {
      title: $("title").value.trim(),
      authors: authorRows().map((row) => {
        const author = {};
        for (const input of row.querySelectorAll("[data-field]")) {
          const value = input.value.trim();
          if (value || input.dataset.field !== "email") author[input.dataset.field] = value;
        }
        return author;
      }),
      contact_email: $("contact-email").value.trim(),
      abstract: $("abstract").value.trim(),
    };
  }

  function fillForm(view) {
    $("title").value = view.title;
    $("contact-email").value = view.contact_email;
    $("abstract").value = view.abstract;
    $("author-rows").replaceChildren();
    for (const author of view.authors) addAuthor(author, false);
    updateCount();
  }

  function validate(data) {
    const limits = state.call.limits;
    const errors = [];
    const tooLong = (what, limit) => what + " must be " + limit + " characters or fewer";
    if (!data.title) errors.push(["title", "Enter the title of your poster"]);
    else if (chars(data.title) > limits.title) errors.push(["title", tooLong("Title", limits.title)]);
    data.authors.forEach((author, index) => {
      const who = "author " + (index + 1);
      const field = (name) => "authors." + index + "." + name;
      if (!author.name) errors.push([field("name"), "Enter the name of " + who]);
      else if (chars(author.name) > limits.author_name) {
        errors.push([field("name"), tooLong("The name of " + who, limits.author_name)]);
      }
      if (author.email && !EMAIL.test(author.email)) {
        errors.push([field("email"), "Enter the e-mail of " + who + " in the correct format, like name@example.org"]);
      }
      if (chars(author.affiliation) > limits.affiliation) {
        errors.push([field("affiliation"), tooLong("The affiliation of " + who, limits.affiliation)]);
      }
    });
    if (data.authors.length > limits.authors) errors.push(["authors", "List at most " + limits.authors + " authors"]);
    if (!data.contact_email) errors.push(["contact_email", "Enter the contact e-mail address"]);
    else if (!EMAIL.test(data.contact_email) || chars(data.contact_email) > limits.email) {
      errors.push(["contact_email", "Enter the contact e-mail in the correct format, like name@example.org"]);
    }
    if (!data.abstract) errors.push(["abstract", "Enter the abstract"]);
    else if (chars(data.abstract) > limits.abstract) errors.push(["abstract", tooLong("The abstract", limits.abstract)]);
    return errors.map(([field, message]) => ({ field: field, message: message }));
  }

  function fieldId(field) {
    return field.replace(/\./g, "-").replace(/_/g, "-");
  }

  function fieldLabel(field) {
    const parts = field.split(".");
    if (parts[0] === "authors" && parts.length === 3) {
      return "Author " + (Number(parts[1]) + 1) + ", " + (LABELS[parts[2]] || parts[2]).toLowerCase();
    }
    return { title: "Title", authors: "Authors", contact_email: "Contact e-mail", abstract: "Abstract" }[field] || field;
  }

  function clearErrors() {
    $("error-summary").hidden = true;
    $("error-list").replaceChildren();
    for (const message of document.querySelectorAll("#form .error-message")) {
      message.hidden = true;
      message.textContent = "";
    }
    for (const field of document.querySelectorAll("#form .has-error")) field.classList.remove("has-error");
    for (const input of document.querySelectorAll("#form [aria-invalid]")) {
      input.removeAttribute("aria-invalid");
      const described = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => !id.endsWith("-error"));
      if (described.length) input.setAttribute("aria-describedby", described.join(" "));
      else input.removeAttribute("aria-describedby");
    }
  }

  // The GOV.UK pattern: a summary at the top linking to each field, and the same words at the field.
  function showErrors(errors) {
    clearErrors();
    for (const error of errors) {
      if (!error.field) {
        $("error-list").append(el("li", {}, error.message));
        continue;
      }
      const id = fieldId(error.field);
      const target = $(id) || $("form-heading");
      const message = $(id + "-error");
      if (message) {
        message.hidden = false;
        message.replaceChildren(el("span", { class: "visually-hidden" }, "Error: "), error.message);
        (target.closest(".field") || target).classList.add("has-error");
        if (target.matches("input, textarea")) {
          target.setAttribute("aria-invalid", "true");
          const described = target.getAttribute("aria-describedby");
          target.setAttribute("aria-describedby", ((described || "") + " " + message.id).trim());
        }
      }
      const focusTarget = target.matches("fieldset") ? target.querySelector("input, button") || target : target;
      const link = el("a", { href: "#" + (focusTarget.id || id) }, error.message);
      link.addEventListener("click", (event) => {
        event.preventDefault();
        focusTarget.focus();
        focusTarget.scrollIntoView({ block: "center" });
      });
      $("error-list").append(el("li", {}, link));
    }
    $("error-summary").hidden = false;
    $("error-summary").focus();
  }

  function apiFieldErrors(error) {
    return (error.body.fields || []).map((item) => {
      const problem = String(item.problem || "").replace(/^Value error, /, "");
      return { field: item.field, message: fieldLabel(item.field) + ": " + problem };
    });
  }

  function showProblem(message) {
    showErrors([{ field: null, message: message }]);
  }

  function updateCount() {
    if (!state.call) return;
    const left = state.call.limits.abstract - chars($("abstract").value);
    say("abstract-count", left >= 0 ? "You have " + left + " characters left" : "You have " + -left + " characters too many");
  }

  // ---- creating and editing ----------------------------------------------------------------------

  async function onSubmit(event) {
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
        if (!state.createKey || state.createBody !== body) {
          state.createKey = newRequestKey();
          state.createBody = body;
        }
        const created = await api("POST", "/submissions", data, { "Idempotency-Key": state.createKey });
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

  // ---- showing a submission ------------------------------------------------------------------------

  function applyView(view, refill) {
    const first = state.view === null;
    state.view = view;
    if (first || refill) fillForm(view);
    document.title = view.title + " – " + state.call.conference;
    say("heading", "Your poster submission");
    say("form-heading", "Your poster");
    say("save", "Save changes");
    $("manage").hidden = false;
    $("manage-link").value = manageLink();
    $("status-section").hidden = false;
    $("withdraw-section").hidden = view.status === "withdrawn";
    say("withdraw-title", "“" + view.title + "”");
    $("upload-section").hidden = view.status === "withdrawn";
    renderVerdict(view);
    renderListing(view.public_listing);
    renderFinal(view.final, view);
    refreshClosed(false);
    tick();
    if (pendingVersions(view).length && !state.pollTimer) pollUntilSettled(null);
  }

  // What the public program lists about an accepted poster: shown as text, like everything authors wrote.
  function renderListing(listing) {
    $("public-section").hidden = !listing;
    if (!listing) return;
    const rows = [
      ["Board", listing.board || "given when the program is first published"],
      ["Session", listing.session ? formatLocal(Date.parse(listing.session.start)) + " to " + formatLocal(Date.parse(listing.session.end)) : "not set"],
      ["Title", listing.title],
      ["Authors", listing.authors.map((a) => a.name + (a.affiliation ? " (" + a.affiliation + ")" : "")).join("; ")],
      ["Abstract", listing.abstract],
      [
        "PDFs",
        listing.pdfs.length
          ? "links to your " + listing.pdfs.map((name) => (name === "abstract" ? "final abstract" : "poster")).join(" and ")
          : "none (you choose below, once the final versions are in and pass their check)",
      ],
    ];
    $("public-listing").replaceChildren(...rows.flatMap(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
  }

  // Uploads on record and not judged yet, first versions and final ones alike.
  function pendingVersions(view) {
    const uploads = view.versions.concat(view.final ? view.final.uploads : []);
    return uploads.filter((v) => v.uploaded_at && !v.verdict && !v.attention);
  }

  const STATUS_TEXT = {
    awaiting_upload: ["pending", "No PDF yet", "Upload the PDF of your abstract below."],
    validating: ["pending", "Checking", "Your PDF is being checked; the result appears here in a few seconds."],
    pass: ["pass", "pass", "Your PDF meets the format rules. Nothing more is needed."],
    warn: ["warn", "warn", "Your PDF is accepted, with warnings you may want to address."],
    fail: ["fail", "fail", "Your PDF does not meet the format rules. Fix the problems below and upload a new version."],
    late: ["fail", "late", "Only uploads after the deadline are on record; they are kept for the organizers but do not count."],
    needs_attention: ["warn", "needs attention", "Your PDF could not be checked automatically; the organizers have been told."],
    withdrawn: ["pending", "withdrawn", "This submission is withdrawn. The organizers keep its files."],
  };

  function renderVerdict(view) {
    const verdict = view.verdict;
    const key = JSON.stringify([view.status, view.current_version, verdict, view.versions.length]);
    if (key === state.verdictKey) return;
    state.verdictKey = key;
    const [tone, word, sentence] = STATUS_TEXT[view.status] || ["pending", view.status, ""];
    const parts = [el("p", { class: "verdict-summary" }, el("span", { class: "outcome " + tone }, word), " ", sentence)];
    if (verdict && view.status !== "validating") parts.push(...verdictDetails(view, verdict));
    if (view.versions.some((v) => v.uploaded_at)) parts.push(versionsList(view));
    $("verdict").replaceChildren(...parts);
  }

  function verdictDetails(view, verdict) {
    const facts = el("dl", { class: "facts" });
    const add = (term, value) => facts.append(el("dt", {}, term), el("dd", {}, value));
    const checked = view.versions.find((v) => v.version === view.current_version);
    if (checked) add("Checked", "Version " + checked.version + (checked.size ? ", " + megabytes(checked.size) : ""));
    if (verdict.pages !== null) add("Pages", String(verdict.pages));
    if (verdict.body_pages !== null) {
      add("Body pages", verdict.body_pages + " (the limit is " + state.call.max_body_pages + ")");
    }
    const references = verdict.facts && verdict.facts.references;
    add(
      "References",
      references
        ? "found on page " + references.page + " under the heading “" + references.heading + "”" +
            (references.body_above ? " (body text above it counts)" : "")
        : "no references heading found",
    );
    const parts = [facts];
    if (verdict.problems.length) {
      parts.push(el("h3", {}, plural(verdict.problems.length, "problem")), problemList(verdict.problems));
    }
    return parts;
  }

  function versionsList(view) {
    const list = el("ul", { class: "versions", "aria-label": "Uploaded versions" });
    for (const v of view.versions.filter((x) => x.uploaded_at).reverse()) {
      const outcome = v.verdict ? v.verdict.outcome : v.attention ? "needs attention" : "being checked";
      const late = v.late ? ", late: kept but not counted" : "";
      list.append(el("li", {}, "Version " + v.version + ": uploaded " + formatInstant(Date.parse(v.uploaded_at)) + ", " + outcome + late));
    }
    return el("div", {}, el("h3", {}, "Uploads"), list);
  }

  // Ask again until the upload awaited (``arrived``, a test on the view; null for none) is on record and
  // nothing is left to check.
  function pollUntilSettled(arrived) {
    clearTimeout(state.pollTimer);
    const started = Date.now();
    let delay = 800;
    const step = async () => {
      state.pollTimer = null;
      try {
        const view = await api("GET", submissionPath());
        applyView(view, false);
        if (view.status === "withdrawn" || ((arrived === null || arrived(view)) && !pendingVersions(view).length)) {
          say("upload-status", "");
          return;
        }
      } catch (error) {
        if (error.status === 401) return;
      }
      if (Date.now() - started > 10 * 60 * 1000) {
        say("upload-status", "The check is taking longer than usual. Open your manage link later to see the result.");
        return;
      }
      delay = Math.min(delay * 1.5, 15000);
      state.pollTimer = setTimeout(step, delay);
    };
    state.pollTimer = setTimeout(step, delay);
  }

  async function openSubmission(key) {
    state.id = key.id;
    state.token = key.token;
    try {
      applyView(await api("GET", submissionPath()), true);
    } catch (error) {
      state.id = state.token = null;
      const message =
        error.status === 401
          ? "This manage link does not open a submission. Copy the whole link from your receipt mail, or start a new submission."
          : error.message;
      const start = el("a", { href: "/" }, "Start a new submission");
      $("load-error").replaceChildren(el("p", {}, message), el("p", {}, start));
      $("load-error").hidden = false;
      $("form").hidden = true;
      $("load-error").focus();
    }
  }

  // ---- uploading --------------------------------------------------------------------------------

  function fileError(message) {
    const error = $("file-error");
    error.hidden = !message;
    error.replaceChildren(...(message ? [el("span", { class: "visually-hidden" }, "Error: "), message] : []));
    $("file-field").classList.toggle("has-error", Boolean(message));
    $("file").setAttribute("aria-describedby", message ? "file-hint file-error" : "file-hint");
    if (message) $("file").setAttribute("aria-invalid", "true");
    else $("file").removeAttribute("aria-invalid");
  }

  async function onFileChosen() {
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

  // ---- withdrawing ------------------------------------------------------------------------------

  function askWithdraw() {
    $("withdraw-confirm").hidden = false;
    $("withdraw").hidden = true;
    $("withdraw-confirm").focus();
  }

  function keepSubmission() {
    $("withdraw-confirm").hidden = true;
    $("withdraw").hidden = false;
    $("withdraw").focus();
  }

  async function withdraw() {
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

  // ---- the deadline -----------------------------------------------------------------------------

  function deadline() {
    const general = Date.parse(state.call.deadline);
    return state.view ? Math.max(general, Date.parse(state.view.deadline)) : general;
  }

  function isOpen() {
    return serverNow() < closesAt(deadline());
  }

  function tick() {
    if (!state.call) return;
    const end = deadline();
    const left = closesAt(end) - serverNow();
    say("countdown", left > 0 ? formatLeft(left) + " left to submit" : "The call for posters is closed");
    say("deadline-times", "Deadline: " + formatAoE(end) + " (Anywhere on Earth), which is " + formatLocal(end) + ".");
    const extended = state.view && Date.parse(state.view.deadline) > Date.parse(state.call.deadline);
    $("extension").hidden = !extended;
    if (extended) say("extension", "You have an extension until " + formatAoE(end) + "; the call’s deadline was " + formatAoE(Date.parse(state.call.deadline)) + ".");
    if (state.closed !== !isOpen() || state.finalOpen !== finalOpen()) refreshClosed(false);
  }

  function finalOpen() {
    const final = state.view && state.view.final;
    return Boolean(final) && (!final.deadline || serverNow() < closesAt(Date.parse(final.deadline)));
  }

  // After the deadline nothing can be created, uploaded or edited; reading and withdrawing stay open (and,
  // for an accepted poster, editing its metadata until the final deadline).
  function refreshClosed(serverSaidClosed) {
    const closed = serverSaidClosed || !isOpen();
    state.closed = closed;
    state.finalOpen = finalOpen();
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

  // ---- start ------------------------------------------------------------------------------------

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
})();
