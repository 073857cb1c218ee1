// The authors' page's form: title, author rows (each with buttons to move it up or down and remove it),
// contact and abstract; checked against the call's limits before sending, and every error, the page's or
// the API's, shown at its field and in a summary at the top that links to each one.
import { $, chars, el, say } from "./common.js";
import { state } from "./app_state.js";

const EMAIL = /^[^@\s<>(),;:"[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$/;
const LABELS = { name: "Name", email: "E-mail", affiliation: "Affiliation" };

function authorRows() {
  return Array.from($("author-rows").children);
}

export function addAuthor(author, focus) {
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
export function renumberAuthors() {
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

export function readForm() {
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

export function fillForm(view) {
  $("title").value = view.title;
  $("contact-email").value = view.contact_email;
  $("abstract").value = view.abstract;
  $("author-rows").replaceChildren();
  for (const author of view.authors) addAuthor(author, false);
  updateCount();
}

export function validate(data) {
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

export function clearErrors() {
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
export function showErrors(errors) {
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

export function apiFieldErrors(error) {
  return (error.body.fields || []).map((item) => {
    const problem = String(item.problem || "").replace(/^Value error, /, "");
    return { field: item.field, message: fieldLabel(item.field) + ": " + problem };
  });
}

export function showProblem(message) {
  showErrors([{ field: null, message: message }]);
}

export function updateCount() {
  if (!state.call) return;
  const left = state.call.limits.abstract - chars($("abstract").value);
  say("abstract-count", left >= 0 ? "You have " + left + " characters left" : "You have " + -left + " characters too many");
}
