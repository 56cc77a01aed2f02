// The embed options (docs/widget.md#options): defaults, validation and the `data-*` form.
// Invalid values keep the previous value and are reported; unknown options are kept, as the
// original widget did.
import { parseHex, toHex } from '../shared/color.js';

/** Every option with its default; the first nine are the original widget's. */
export const DEFAULTS = {
  apiKey: null, position: 'bottom-right', theme: 'light', title: 'Chat with us', primaryColor: '#007bff',
  language: 'en', autoOpen: false, notifications: true, sound: true, size: 'medium', logo: null,
  customCss: '', greeting: 'Hello! How can I help you today?', placeholder: 'Type your message...',
  zIndex: 999999, dir: 'auto', colors: null, strings: null, baseUrl: null, closeOnOutsideClick: true, preload: 'idle'
};

/** Options that take one of a fixed set of values. */
export const ENUMS = {
  position: ['bottom-right', 'bottom-left', 'top-right', 'top-left', 'bottom-center', 'top-center', 'middle-left', 'middle-right'],
  theme: ['light', 'dark', 'auto', 'custom'],
  size: ['small', 'medium', 'large'],
  dir: ['auto', 'ltr', 'rtl'],
  preload: ['idle', 'intent']
};

const BOOLEAN_OPTIONS = ['autoOpen', 'notifications', 'sound', 'closeOnOutsideClick'];
const OBJECT_OPTIONS = ['colors', 'strings'];

/**
 * Validates and normalises one option value.
 * @returns {{ value: unknown } | null} null when the value is invalid
 */
function normalizeOption(key, value, previous) {
  if (ENUMS[key]) {
    let text = String(value).trim().toLowerCase();
    if (key === 'position') text = text.replace(/^(left|right)$/, 'middle-$1').replace(/^(top|bottom)$/, '$1-center');
    return ENUMS[key].includes(text) ? { value: text } : null;
  }
  if (key === 'primaryColor') {
    const rgb = parseHex(value);
    return rgb ? { value: toHex(rgb) } : null;
  }
  if (key === 'zIndex') {
    const number = parseInt(value, 10);
    return isFinite(number) ? { value: number } : null;
  }
  if (OBJECT_OPTIONS.includes(key)) {
    if (value !== null && typeof value !== 'object') return null;
    return { value: value && Object.assign({}, previous, value) }; // nested objects merge shallowly
  }
  if (BOOLEAN_OPTIONS.includes(key)) {
    return { value: typeof value === 'string' ? !/^(false|0|no|off)$/i.test(value.trim()) : !!value };
  }
  if (key === 'baseUrl') return { value: value ? String(value).replace(/\/+$/, '') : null };
  return { value };
}

/**
 * Merges `patch` into a copy of `base` (neither is changed).
 * @param {object} base current options
 * @param {object} patch new options; `undefined` values are skipped
 * @param {string[]} [problems] receives the names of options whose value was invalid
 * @returns {object} the merged options
 */
export function mergeConfig(base, patch, problems = []) {
  const merged = Object.assign({}, base);
  if (!patch || typeof patch !== 'object') return merged;
  for (const key of Object.keys(patch)) {
    if (patch[key] === undefined) continue;
    const normalized = normalizeOption(key, patch[key], merged[key]);
    if (normalized) merged[key] = normalized.value;
    else problems.push(key);
  }
  return merged;
}

/**
 * Options from the script tag's `data-*` attributes (`data-api-key` → `apiKey`, …); the
 * object options (`colors`, `strings`) cannot be given this way.
 * @param {DOMStringMap | undefined} dataset
 * @returns {object}
 */
export function configFromDataset(dataset) {
  const options = {};
  for (const key of Object.keys(DEFAULTS)) {
    if (dataset && typeof dataset[key] === 'string' && !OBJECT_OPTIONS.includes(key)) options[key] = dataset[key];
  }
  return options;
}

/**
 * The Sanctum server's base URL from the loader's own `src`: everything before `/widget/`,
 * else the script's folder.
 * @param {string | undefined} source
 * @returns {string}
 */
export function baseFromScriptSource(source) {
  if (!source) return '';
  const index = source.indexOf('/widget/');
  return index >= 0 ? source.slice(0, index) : source.replace(/\/[^/]*$/, '');
}
