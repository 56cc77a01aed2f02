// DOM helpers of the console: look-up by id, element creation (text only ever through
// textContent), the status line, and times.


/** The element with `id`. */
export const byId = (id) => document.getElementById(id);

/** A new element with an optional class and text (set as textContent). */
export function createElement(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = String(text);
  return node;
}

/** Shows `text` in the status line: an error, or a confirmation with kind "ok". */
export function say(text, kind) {
  const box = byId("status");
  box.textContent = String(text);
  box.className = "status " + (kind || "error");
  clearTimeout(say.timer);
  say.timer = setTimeout(() => { box.textContent = ""; box.className = "status"; }, kind === "ok" ? 6000 : 15000);
}

function parseTime(value) {
  if (!value) return null;
  let text = String(value);
  // stored timestamps are the bridge's "YYYY-MM-DD HH:MM:SS" in UTC
  if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(text)) text = text.replace(" ", "T") + "Z";
  const date = new Date(text);
  return isNaN(date.getTime()) ? null : date;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });

const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

/** A <time> element for a server timestamp: the time today, else the date; the full date as title. */
export function timeElement(value) {
  const node = document.createElement("time");
  const date = parseTime(value);
  if (!date) { node.textContent = value ? String(value) : ""; return node; }
  node.dateTime = date.toISOString();
  node.title = fullFormat.format(date);
  node.textContent = date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dayFormat.format(date);
  return node;
}

/** `text` on one line, cut to `max` characters with an ellipsis. */
export function oneLine(text, max) {
  const flat = String(text == null ? "" : text).replace(/\s+/g, " ").trim();
  return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
}
