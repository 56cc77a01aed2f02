// Admin only: the operator webhooks of one site (the `notifications` plugin's attempt log,
// GET /plugins/notifications/deliveries, docs/plugins/notifications.md) with a Replay button per
// delivery. Hidden when the plugin is not enabled for the site. Every value goes through textContent.
import { byId, createElement, say } from './dom.js';
import { api } from './http.js';
import { state } from './state.js';

const ROUTES = "/plugins/notifications/";
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "short", timeStyle: "medium" });

/** The last attempt of `delivery` in words: status or error, and latency. */
function lastAttempt(delivery) {
  const attempt = (delivery.attempts || [])[delivery.attempts.length - 1];
  if (!attempt) return "—";
  const outcome = attempt.status != null ? "HTTP " + attempt.status : "no answer";
  const error = attempt.error && attempt.status == null ? ": " + attempt.error : "";
  return outcome + error + " · " + Math.round(attempt.latency_ms) + " ms";
}

function deliveryRow(delivery) {
  const row = createElement("tr");
  const queued = createElement("time", null, timeFormat.format(new Date(delivery.queued_at)));
  queued.dateTime = delivery.queued_at;
  const queuedCell = createElement("td");
  queuedCell.append(queued);
  const replay = createElement("button", null, "Replay");
  replay.type = "button";
  replay.addEventListener("click", () => replayDelivery(delivery.id));
  const actionCell = createElement("td");
  actionCell.append(replay);
  row.append(queuedCell, createElement("td", null, delivery.type), createElement("td", "mono", delivery.conversation_id || "—"),
    createElement("td", "webhook-state webhook-" + delivery.state, delivery.state),
    createElement("td", null, delivery.attempt_count), createElement("td", null, lastAttempt(delivery)), actionCell);
  row.title = delivery.id;
  return row;
}

/** Loads the deliveries of the site typed in the panel (admin only). */
export async function loadWebhooks() {
  if (state.role !== "admin") return;
  const site = byId("webhookSite").value.trim() || "default";
  try {
    const data = await api(ROUTES + "deliveries?limit=100&site_id=" + encodeURIComponent(site));
    const endpoints = data.endpoints || [];
    byId("webhookEndpoints").textContent = endpoints.length
      ? endpoints.map((e) => e.url + " — breaker " + e.breaker + ", " + e.pending + " pending").join(" · ")
      : "No webhook endpoint is configured for this site.";
    byId("webhookRows").replaceChildren(...(data.deliveries || []).map(deliveryRow));
    byId("webhookTable").hidden = !(data.deliveries || []).length;
  } catch (error) {
    if (error.status === 404) {
      byId("webhookEndpoints").textContent = "The notifications plugin is not enabled for this site.";
      byId("webhookTable").hidden = true;
    } else if (state.key) {
      say("Could not load the webhooks: " + error.message);
    }
  }
}

async function replayDelivery(id) {
  try {
    await api(ROUTES + "replay?id=" + encodeURIComponent(id), { method: "POST", body: { id } });
    say("Delivery " + id + " queued again.", "ok");
    await loadWebhooks();
  } catch (error) {
    say("Could not replay " + id + ": " + error.message);
  }
}

/** Wires the panel's form (called once by admin.js). */
export function installWebhooks() {
  byId("webhookForm").addEventListener("submit", (event) => { event.preventDefault(); loadWebhooks(); });
}
