// Colour helpers shared by the loader (bubble colours) and the chat window (contrast-checked
// text colours). Colours are `#rgb` / `#rrggbb` strings or [red, green, blue] arrays (0–255).

/**
 * Parses `#rgb` or `#rrggbb` (the `#` is optional, case-insensitive).
 * @param {unknown} hex
 * @returns {number[] | null} [red, green, blue], or null when `hex` is not a colour
 */
export function parseHex(hex) {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(hex || '').trim());
  if (!match) return null;
  const digits = match[1].length === 3 ? match[1].replace(/./g, '$&$&') : match[1];
  return [0, 2, 4].map((offset) => parseInt(digits.substr(offset, 2), 16));
}

/**
 * Formats [red, green, blue] as `#rrggbb`, rounding and clamping each channel to 0–255.
 * @param {number[]} rgb
 * @returns {string}
 */
export function toHex(rgb) {
  return '#' + rgb.map((channel) => Math.max(0, Math.min(255, Math.round(channel))).toString(16).padStart(2, '0')).join('');
}
