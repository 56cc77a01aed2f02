// The Analytics view (docs/console.md#analytics): a site's usage from the analytics plugin's
// summary (GET /plugins/analytics/summary) over a chosen range, drawn by the console itself as
// SVG — the time series, the funnels, the first-response histogram, the widget's timings and
// errors — each next to a table of the same numbers. The summary figures are read from the same
// answer as the charts. For an admin, the server's requests and latency per action come from
// this instance's /metrics (server-metrics.js).
import { byId, createElement, say } from './dom.js';
import { state } from './state.js';
import { api } from './http.js';
import { loadServerMetrics } from './server-metrics.js';
import { HEIGHT, PAD, WIDTH, bars, figure, svg } from './charts.js';

const SERIES = [["conversations_started", "Conversations"], ["visitor_messages", "Messages"], ["agent_replies", "Replies"]];

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
  if (data.widget) appendWidgetHealth(charts, data.widget);
}

/** The widget's timings (median per browser family and timing) and its error groups. */
function appendWidgetHealth(charts, widget) {
  const timings = widget.timings || [];
  const label = (row) => row.timing.replace(/_/g, " ") + " · " + row.browser;
  const ms = (value) => (value == null ? "–" : value);
  charts.append(figure("Widget timings, median ms (" + timings.reduce((sum, row) => sum + row.count, 0) + " samples)",
    bars(timings.map((row) => [label(row), row.median_ms || 0])), ["Timing · browser", "Samples", "Median ms", "p90 ms"],
    timings.map((row) => [label(row), row.count, ms(row.median_ms), ms(row.p90_ms)])));
  const errors = widget.errors || [];
  const title = "Widget errors (" + errors.reduce((sum, row) => sum + row.count, 0) + (widget.dropped_errors ? ", " + widget.dropped_errors + " more not kept" : "") + ")";
  charts.append(figure(title, bars(errors.map((row) => [row.source + ": " + row.message.slice(0, 40), row.count])),
    ["Source: message", "Count", "Version", "Browsers", "Top frame"],
    errors.map((row) => [row.source + ": " + row.message, row.count, row.version,
      Object.entries(row.browsers || {}).map(([name, count]) => name + " " + count).join(", "), (row.frames || [])[0] || ""])));
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
    if (state.role === "admin") await loadServerMetrics(byId("analyticsCharts"));
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
