// Timestamps from the server.

/**
 * Milliseconds since the epoch of a server timestamp: `YYYY-MM-DD HH:MM:SS` (the bridge's
 * format) is UTC without a zone; ISO strings keep their offset.
 * @param {unknown} value
 * @param {number} [fallback] returned for anything unparseable (default: now)
 */
export function parseServerTime(value, fallback = Date.now()) {
  if (typeof value !== 'string') return fallback;
  let text = value.trim().replace(' ', 'T');
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)) text += 'Z';
  const milliseconds = Date.parse(text);
  return isNaN(milliseconds) ? fallback : milliseconds;
}
