// What the authors' page and the organizers' console share: building DOM from text (never HTML), the
// server's clock, instants in AoE, local time and UTC, the API's answers and S3's refusals in words an
// author can act on.

export const $ = (id) => document.getElementById(id);
const HOUR = 3600 * 1000;

export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

// Deadlines are the server's: the page counts from the server's clock as of its last answer, whatever the
// machine's own clock says.
let clockOffset = 0;

export function setServerNow(iso) {
  clockOffset = Date.parse(iso) - Date.now();
}

export function serverNow() {
  return Date.now() + clockOffset;
}

export function chars(text) {
  return Array.from(text).length;
}

export function megabytes(bytes) {
  if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + " KB";
  const mb = bytes / (1024 * 1024);
  return (mb >= 10 ? mb.toFixed(0) : mb.toFixed(1).replace(/\.0$/, "")) + " MB";
}

export function plural(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}

// A deadline given to the second covers that whole second, as the API counts it.
export function closesAt(deadline) {
  return deadline % 1000 === 0 ? deadline + 1000 : deadline;
}

export function formatInstant(ms, timeZone) {
  return new Intl.DateTimeFormat("en-GB", {
    weekday: "short",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    timeZone: timeZone,
  }).format(new Date(ms));
}

// Anywhere on Earth is UTC-12: shift the instant and format it as UTC, which every browser knows.
export function formatAoE(ms) {
  return formatInstant(ms - 12 * HOUR, "UTC") + " AoE";
}

export function formatLocal(ms) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "your time zone";
  return formatInstant(ms) + " your time (" + zone + ")";
}

export function formatUtc(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" }).format(new Date(iso)) + " UTC";
}

export function formatLeft(ms) {
  const seconds = Math.floor(ms / 1000);
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const parts = [];
  if (days) parts.push(plural(days, "day"));
  if (days || hours) parts.push(plural(hours, "hour"));
  parts.push(plural(minutes, "minute"));
  if (!days && !hours) parts.push(plural(seconds % 60, "second"));
  return parts.join(" ");
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body.message || "The server answered " + status + ".");
    this.status = status;
    this.body = body;
  }
}

export function s3Error(text) {
  if (!text) return { code: "", message: "" };
  const xml = new DOMParser().parseFromString(text, "application/xml");
  const read = (tag) => {
    const node = xml.getElementsByTagName(tag)[0];
    return node ? node.textContent : "";
  };
  return { code: read("Code"), message: read("Message") };
}

export function say(id, text) {
  $(id).textContent = text;
}

// One request to the API; a token opens the submission's own paths.
export async function request(method, path, body, extraHeaders, token) {
  const headers = Object.assign({}, extraHeaders);
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token && path.startsWith("/submissions/")) headers.Authorization = "Bearer " + token;
  let response;
  try {
    response = await fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, { message: "The server could not be reached. Check your connection and try again." });
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data || {});
  return data;
}

// POST a file to S3 with a presigned POST's fields; resolves with the status and S3's error, if any.
export function postForm(ticket, file, onProgress) {
  return new Promise((resolve) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
    form.append("file", file);
    const upload = new XMLHttpRequest();
    upload.open("POST", ticket.url);
    upload.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
    });
    upload.addEventListener("load", () => resolve({ status: upload.status, ...s3Error(upload.responseText) }));
    upload.addEventListener("error", () => resolve({ status: 0, code: "", message: "" }));
    upload.send(form);
  });
}

// S3's refusals in words an author can act on.
export function describeRefusal(answer, maxBytes) {
  const max = megabytes(maxBytes);
  if (answer.status === 0) return "The upload did not reach the storage service. Check your connection and choose the file again.";
  if (answer.code === "EntityTooLarge") return "The storage service refused the file: it is larger than the limit of " + max + ".";
  if (answer.code === "EntityTooSmall") return "The storage service refused the file: it is empty.";
  if (answer.code === "AccessDenied" && /expired/i.test(answer.message)) {
    return "The upload link expired before the file arrived. Choose the file again to upload it with a new link.";
  }
  if (answer.code === "AccessDenied") {
    return "The storage service refused the file because it does not match the upload link (" + answer.message +
      "). Choose the file again.";
  }
  return "The storage service refused the upload (" + (answer.message || answer.code || "HTTP " + answer.status) +
    "). Choose the file again.";
}

// What makes a chosen file one the service would refuse, said before it is sent; null when none.
export async function refusal(file, maxBytes, what) {
  if (file.size === 0) return "“" + file.name + "” is empty. Choose the PDF of your " + what + ".";
  if (file.size > maxBytes) {
    return "“" + file.name + "” is " + megabytes(file.size) + "; the limit is " + megabytes(maxBytes) +
      ". Export it with smaller images and choose it again.";
  }
  const head = new Uint8Array(await file.slice(0, 1024).arrayBuffer());
  if (!String.fromCharCode.apply(null, head).includes("%PDF-")) {
    return "“" + file.name + "” is not a PDF. Export or print your " + what + " to PDF and choose that file.";
  }
  return null;
}

function show(value) {
  return Array.isArray(value) ? value.join(", ") : String(value);
}

// A verdict's problems, each with what was measured, the limit and the fix, as text.
export function problemList(problems) {
  const list = el("ul", { class: "problems" });
  for (const problem of problems) {
    const measured = [];
    if (problem.measured !== null && problem.measured !== undefined) measured.push("Measured: " + show(problem.measured) + ".");
    if (problem.limit !== null && problem.limit !== undefined) measured.push("Limit: " + show(problem.limit) + ".");
    list.append(
      el(
        "li",
        {},
        el("strong", {}, problem.severity === "fail" ? "Must fix: " : "Warning: "),
        problem.message,
        measured.length ? el("br") : null,
        measured.join(" "),
        " ",
        el("span", { class: "problem-code" }, "(" + problem.code + ")"),
      ),
    );
  }
  return list;
}
