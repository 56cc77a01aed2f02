// The console's HTTP calls: the bridge API and the admin API with the key as a Bearer token
// (never in a URL); every failure becomes an ApiError with a message fit for the status line.
import { state } from './state.js';
import { signOut } from './account.js';

/** Prefix of the bridge API's actions. */
export const API = "/api/v1/?action=";

/** A failed call: a message for the status line and the HTTP status (0 when unreachable). */
export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

/** Calls `path` with the signed-in key (or `options.key`); resolves to the answer's `data`. */
export async function request(path, options) {
  options = options || {};
  const headers = { Authorization: "Bearer " + (options.key || state.key) };
  const init = { method: options.method || "GET", headers, cache: "no-store", signal: options.signal };
  if (options.body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(options.body); }
  let response;
  try { response = await fetch(path, init); } catch (error) {
    if (error && error.name === "AbortError") throw error;
    throw new ApiError("The server could not be reached. Check the connection and try again.", 0);
  }
  let body = null;
  try { body = await response.json(); } catch (_) { /* not JSON */ }
  if (!response.ok || !body || body.success === false) {
    let message = (body && (body.error || body.message)) || "Request failed (HTTP " + response.status + ")";
    if (response.status === 429) {
      const after = response.headers.get("Retry-After") || (body && body.retry_after);
      message = "Too many requests" + (after ? "; try again in " + after + " s." : "; try again later.");
    }
    throw new ApiError(String(message), response.status);
  }
  return body.data;
}

/** Like request, but a refused key ends the session. */
export async function api(path, options) {
  try { return await request(path, options); } catch (error) {
    if (error.status === 401) signOut("The key was refused (" + error.message + "). Sign in again.");
    throw error;
  }
}
