// The Analytics view (docs/console.md#analytics): a site's usage from the analytics plugin's
// summary (GET /plugins/analytics/summary) over a chosen range, drawn by the console itself as
// SVG — the time series, the funnels and the first-response histogram — each next to a table of
// the same numbers. The summary figures are read from the same answer as the charts.
import { byId, createElement, say } from './dom.js';
import { state } from './state.js';
import { api } from './http.js';

const SVG = "http://www.w3.org/2000/svg";
const SERIES = [["conversations_started", "Conversations"], ["visitor_messages", "Messages"], ["agent_replies", "Replies"]];
const WIDTH = 640, HEIGHT = 200, PAD = 28;

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  if (text != null) node.textContent = String(text);
  return node;
}

/** A chart: an SVG with a title (its accessible name) and a table of the same numbers. */
function figure(title, chart, headers, rows) {
  const box = createElement("figure", "chart");
  box.append(createElement("figcaption", null, title));
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", title);
  box.append(chart);
  const table = createElement("table", "chart-table");
  table.append(createElement("caption", "visually-hidden", title));
  const head = createElement("tr");
  headers.forEach((text) => { const th = createElement("th", null, text); th.scope = "col"; head.append(th); });
  table.append(createElement("thead"));
  table.tHead.append(head);
  const body = createElement("tbody");
  rows.forEach((cells) => {
    const row = createElement("tr");
    cells.forEach((cell, index) => {
      const td = createElement(index ? "td" : "th", null, cell);
      if (!index) td.scope = "row";
      row.append(td);
    });
    body.append(row);
  });
  table.append(body);
  const details = createElement("details");
  details.append(createElement("summary", null, "Table"), table);
  box.append(details);
  return box;
}

/** Horizontal bars, one per [label, value]. */
function bars(items) {
  const max = Math.max(1, ...items.map(([, value]) => value));
  const chart = svg("svg", { viewBox: "0 0 " + WIDTH + " " + (items.length * 30 + 8), class: "bars" });
  items.forEach(([label, value], index) => {
    const y = index * 30 + 4;
    chart.append(svg("text", { x: 0, y: y + 16, class: "label" }, label));
    chart.append(svg("rect", { x: 250, y, width: Math.max(1, (WIDTH - 310) * value / max), height: 22, class: "bar" }));
    chart.append(svg("text", { x: 256 + (WIDTH - 310) * value / max, y: y + 16, class: "value" }, value));
  });
  return chart;
}

/** Lines of the three usage series over the range's points. */
function lines(series) {
  const max = Math.max(1, ...series.flatMap((point) => SERIES.map(([key]) => point[key] || 0)));
  const step = (WIDTH - 2 * PAD) / Math.max(1, series.length - 1);
  const chart = svg("svg", { viewBox: "0 0 " + WIDTH + " " + HEIGHT, class: "lines" });
  chart.append(svg("line", { x1: PAD, y1: HEIGHT - PAD, x2: WIDTH - PAD, y2: HEIGHT - PAD, class: "axis" }));
  chart.append(svg("text", { x: 0, y: PAD, class: "value" }, max));
  chart.append(svg("text", { x: 0, y: HEIGHT - PAD, class: "value" }, 0));
  SERIES.forEach(([key, label], index) => {
    const points = series.map((point, i) => (PAD + i * step).toFixed(1) + "," + (HEIGHT - PAD - (HEIGHT - 2 * PAD) * (point[key] || 0) / max).toFixed(1));
    chart.append(svg("polyline", { points: points.join(" "), class: "series series-" + index }));
    chart.append(svg("text", { x: PAD + index * 210, y: HEIGHT - 6, class: "legend series-" + index }, "— " + label));
  });
  return chart;
}

/** Shows the summary numbers, charts and tables of one summary answer. */
export function renderAnalytics(data) {
  const totals = data.totals;
  const numbers = byId("analyticsNumbers");
  numbers.replaceChildren();
  const first = totals.first_response;
  [["Conversations", totals.conversations_started], ["Messages", totals.visitor_messages], ["Replies", totals.agent_replies],
   ["Unanswered", totals.unanswered], ["Median first response", first.median_seconds == null ? "–" : first.median_seconds + " s"]]
    .forEach(([label, value]) => {
      const item = createElement("div", "number");
      item.append(createElement("dt", null, label), createElement("dd", null, value));
      numbers.append(item);
    });
  const charts = byId("analyticsCharts");
  charts.replaceChildren();
  charts.append(figure("Conversations, messages and replies (" + data.interval + " points, " + data.time_zone + ")", lines(data.series),
    ["Start"].concat(SERIES.map(([, label]) => label)),
    data.series.map((point) => [point.start].concat(SERIES.map(([key]) => point[key] || 0)))));
  const usage = data.funnel.map((step) => [step.step.replace(/_/g, " "), step.count]);
  charts.append(figure("Conversation funnel", bars(usage), ["Step", "Count"], usage));
  const widget = (data.widget ? data.widget.funnel : []).map((step) => [step.step.replace(/_/g, " "), step.count]);
  charts.append(figure("Widget funnel", bars(widget), ["Step", "Count"], widget));
  const histogram = (first.histogram || []).map((bucket) => ["≤ " + bucket.le + " s", bucket.count]);
  charts.append(figure("First-response times (" + first.count + ")", bars(histogram), ["Up to", "Conversations"], histogram));
}

/** Loads the chosen site and range. */
export async function loadAnalytics() {
  const days = Number(byId("analyticsRange").value) || 7;
  const to = new Date(Math.ceil(Date.now() / 900000) * 900000);
  const from = new Date(to.getTime() - days * 86400000);
  const stamp = (date) => date.toISOString().replace(/\.\d+Z$/, "Z");
  let path = "/plugins/analytics/summary?from=" + stamp(from) + "&to=" + stamp(to);
  const site = byId("analyticsSite").value.trim();
  if (state.role === "admin" && site) path += "&site=" + encodeURIComponent(site);
  try {
    renderAnalytics(await api(path));
    byId("analyticsCharts").dataset.loaded = "true";
  } catch (error) {
    if (error && error.name === "AbortError") return;
    say(error.status === 404 ? "Analytics is not enabled for this site." : error.message);
  }
}

/** Wires the view's controls (called once by admin.js). */
export function installAnalytics() {
  byId("analyticsForm").addEventListener("submit", (event) => { event.preventDefault(); loadAnalytics(); });
  byId("analyticsRange").addEventListener("change", loadAnalytics);
}
