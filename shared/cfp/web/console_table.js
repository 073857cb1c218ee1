// The console's overview: every submission in one table whose columns are the API's (list.columns),
// sorted, filtered and searched in the page, with the counts, the organizer's review progress and the
// selection the decisions apply to.
import { $, el, setServerNow } from "./common.js";
import { api, short, state, tag, timeLeft } from "./console_core.js";
import { loadChecklist } from "./console_final.js";
import { loadDeadLetters } from "./console_operations.js";

let records = [];
let rowsById = new Map();
let sort = { key: "updated", dir: -1 };
const selected = new Set();

function rowFor(record) {
  const box = el("input", { type: "checkbox", "aria-label": "Select " + record.id });
  box.checked = selected.has(record.id);
  box.addEventListener("change", () => {
    if (box.checked) selected.add(record.id);
    else selected.delete(record.id);
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
  return records.filter(
    (r) => (!wanted || r.status === wanted) && (!mine || unreviewed(r)) && words.every((w) => r.haystack.includes(w))
  );
}

// The next submission to review in the table's order (after ``current`` when given), or none.
function nextUnreviewed(current) {
  const order = visible().sort(compare(sort.key, sort.dir));
  const all = order.length ? order : records;
  const start = current ? all.findIndex((r) => r.id === current) + 1 : 0;
  return [...all.slice(start), ...all.slice(0, start)].find((r) => r.id !== current && unreviewed(r)) || null;
}

export async function goToNextUnreviewed(current) {
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
  const shown = visible().sort(compare(sort.key, sort.dir));
  const fragment = document.createDocumentFragment();
  for (const record of shown) fragment.append(rowsById.get(record.id));
  $("rows").replaceChildren(fragment);
  $("shown").textContent = "Showing " + shown.length + " of " + records.length + " submissions.";
  for (const th of document.querySelectorAll("th[data-key]")) {
    const keys = [th.dataset.key, ...[...th.querySelectorAll("button[data-key]")].map((b) => b.dataset.key)];
    if (keys.includes(sort.key)) th.setAttribute("aria-sort", sort.dir > 0 ? "ascending" : "descending");
    else th.removeAttribute("aria-sort");
  }
  for (const button of document.querySelectorAll("thead button[data-key]")) {
    button.setAttribute("aria-pressed", String(button.dataset.key === sort.key));
  }
  updateSelection();
}

function updateSelection() {
  const n = selected.size;
  $("selected-count").textContent = n ? n + " selected." : "No submissions selected.";
  $("accept-selected").disabled = $("reject-selected").disabled = n === 0;
}

export function selectedIds() {
  return [...selected];
}

export function clearSelection() {
  selected.clear();
  $("select-all").checked = false;
}

// The row of a submission takes the focus back, as the list is shown again after it.
export function focusRow(id) {
  const row = rowsById.get(id);
  if (row) row.querySelector("a").focus();
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
  const live = records.filter(reviewable);
  const left = live.filter(unreviewed).length;
  $("review-progress").textContent =
    "You have reviewed " + (live.length - left) + " of " + live.length + " submissions; " + left + " to go.";
  const d = list.decisions;
  $("decisions-summary").textContent =
    d.accepted + " accepted, " + d.rejected + " rejected, " + d.undecided + " undecided; " + d.unsent + " decided but not released.";
}

export async function loadList() {
  const list = await api("GET", "/organizers/submissions");
  state.list = list;
  setServerNow(list.now);
  records = list.rows.map((row) => {
    const record = {};
    list.columns.forEach((name, i) => (record[name] = row[i]));
    record.haystack = (record.id + " " + record.title + " " + record.authors).toLowerCase();
    return record;
  });
  const known = new Set(records.map((r) => r.id));
  for (const id of selected) if (!known.has(id)) selected.delete(id);
  rowsById = new Map(records.map((r) => [r.id, rowFor(r)]));
  summarize(list);
  render();
  await loadDeadLetters();
  loadChecklist();
}

// Each column header sorts by its key; the reviews' header also by each aggregate (its buttons' keys).
for (const button of document.querySelectorAll("thead th[data-key] button")) {
  button.addEventListener("click", () => {
    const key = button.dataset.key || button.closest("th").dataset.key;
    sort = { key, dir: sort.key === key ? -sort.dir : 1 };
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
    if ($("select-all").checked) selected.add(record.id);
    else selected.delete(record.id);
    rowsById.get(record.id).checkbox.checked = $("select-all").checked;
  }
  updateSelection();
});
