// Reading the request metrics out of Prometheus text format 0.0.4 (what GET /metrics answers):
// pure logic, tested with node (Tests/widget/console.test.mjs).

/** A line of the request-duration histogram: its name, labels and value. */
const LINE = /^(sanctum_http_request_duration_seconds_(?:bucket|count))\{([^}]*)\} ([0-9.eE+-]+|\+Inf)$/;

/** `{name: value}` of a Prometheus label set (`route="/x",method="GET"`). */
function labels(text) {
  const found = {};
  for (const match of text.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) found[match[1]] = match[2].replace(/\\(.)/g, "$1");
  return found;
}

/**
 * Requests and latency per action from Prometheus text: one row per route and method with its
 * count and the upper bounds (ms) of the buckets holding its median and 99th percentile, the
 * busiest first.
 * @param {string} text the /metrics answer
 */
export function requestActions(text) {
  const actions = new Map();
  for (const line of text.split("\n")) {
    const match = LINE.exec(line.trim());
    if (!match) continue;
    const set = labels(match[2]);
    const key = set.method + " " + set.route;
    const action = actions.get(key) || { action: key, count: 0, buckets: [] };
    if (match[1].endsWith("_count")) action.count = Number(match[3]);
    else action.buckets.push([set.le === "+Inf" ? Infinity : Number(set.le), Number(match[3])]);
    actions.set(key, action);
  }
  const percentile = (buckets, count, share) => {
    const bound = buckets.find(([, cumulative]) => cumulative >= share * count);
    return !bound || !count ? null : bound[0] === Infinity ? "> " + buckets[buckets.length - 2][0] * 1000 : +(bound[0] * 1000).toFixed(1);
  };
  return [...actions.values()].filter((action) => action.count > 0).map((action) => {
    action.buckets.sort((a, b) => a[0] - b[0]);
    return { action: action.action, count: action.count, p50: percentile(action.buckets, action.count, 0.5), p99: percentile(action.buckets, action.count, 0.99) };
  }).sort((a, b) => b.count - a.count || (a.action < b.action ? -1 : 1));
}

