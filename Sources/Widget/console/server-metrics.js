// The server's requests and latency per action in the Analytics view (admins only): read from
// this instance's Prometheus endpoint (GET /metrics, docs/operations.md#health-checks-and-metrics),
// so the console and a Prometheus server show the same numbers. Counts and latency are this
// instance's since it started; percentiles are the upper bounds of the histogram's buckets.
import { createElement } from './dom.js';
import { state } from './state.js';
import { bars, figure } from './charts.js';
import { requestActions } from './prometheus-text.js';


/** Appends the server's requests per action to `charts` (nothing when /metrics is refused). */
export async function loadServerMetrics(charts) {
  let text;
  try {
    const response = await fetch("/metrics", { headers: { Authorization: "Bearer " + state.key }, cache: "no-store" });
    if (!response.ok) return;
    text = await response.text();
  } catch (_) { return; }
  const rows = requestActions(text);
  const box = figure("Server requests per action (this instance, since it started)", bars(rows.slice(0, 12).map((row) => [row.action, row.count])),
    ["Action", "Requests", "p50 ms (≤)", "p99 ms (≤)"], rows.map((row) => [row.action, row.count, row.p50 ?? "–", row.p99 ?? "–"]));
  box.id = "serverMetrics";
  charts.append(box);
  if (!rows.length) box.append(createElement("p", "hint", "No requests recorded yet."));
}
