// The bridge API over fetch (`/api/v1/?action=…`, docs/api.md): JSON in, one flat result out,
// never a thrown error, so callers decide between retry and failure with classify().
import { parseServerTime } from './server-time.js';

const DEFAULT_TIMEOUT_MS = 15000;

/**
 * A client for the server at `base`; it also measures the clock skew between this browser and
 * the server from the answers' `timestamp`.
 * @param {string} base server base URL
 * @param {Window} window
 */
export function createApiClient(base, window) {
  let clockSkew = 0;
  return {
    /** Client clock − server clock in milliseconds, from the latest answer. */
    clockSkew: () => clockSkew,
    /**
     * Calls one action.
     * @param {'GET' | 'POST'} method
     * @param {string} action
     * @param {object | null} query query parameters
     * @param {object | null} [body] sent as JSON
     * @param {{timeout?: number, abort?: AbortController}} [options]
     * @returns {Promise<{status: number, ok: boolean, data?: object, error: string, retryAfter?: number, aborted?: boolean}>}
     *   status 0 for network errors and timeouts; `aborted` when `options.abort` cancelled it
     */
    async request(method, action, query, body, options = {}) {
      const url = new URL(base + '/api/v1/', window.location.href);
      url.searchParams.set('action', action);
      for (const name of Object.keys(query || {})) url.searchParams.set(name, query[name]);
      const abort = options.abort || (typeof AbortController === 'function' ? new AbortController() : null);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        if (abort) abort.abort();
      }, options.timeout || DEFAULT_TIMEOUT_MS);
      try {
        const response = await fetch(url.toString(), {
          method, credentials: 'omit', cache: 'no-store', signal: abort && abort.signal,
          headers: body ? { 'Content-Type': 'application/json' } : undefined,
          body: body ? JSON.stringify(body) : undefined
        });
        let json = null;
        try { json = await response.json(); } catch (error) { /* not JSON */ }
        if (json && typeof json.timestamp === 'string') clockSkew = Date.now() - parseServerTime(json.timestamp);
        const retryAfter = parseInt(response.headers.get('Retry-After') || (json && json.retry_after), 10);
        return {
          status: response.status, ok: !!(json && json.success === true), data: json && json.data,
          error: (json && json.error) || 'HTTP ' + response.status, retryAfter: isFinite(retryAfter) ? retryAfter : 0
        };
      } catch (error) {
        const aborted = error && error.name === 'AbortError';
        return { status: 0, ok: false, aborted: aborted && !timedOut, error: aborted ? 'timeout' : 'network error' };
      } finally {
        clearTimeout(timer);
      }
    }
  };
}
