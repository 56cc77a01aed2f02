// Colours derived from the brand colour with WCAG 2 contrast checks, so text on the header,
// the visitor's messages and the "read" receipt stays readable whatever `primaryColor` is.
import { parseHex, toHex } from '../shared/color.js';

const WHITE = [255, 255, 255];
const NEAR_BLACK = [17, 17, 17];
const MINIMUM_CONTRAST = 4.5;

function relativeLuminance(rgb) {
  const linear = rgb.map((channel) => {
    const value = channel / 255;
    return value <= 0.03928 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
  });
  return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
}

/**
 * WCAG contrast ratio of two colours (1 to 21).
 * @param {number[]} first [red, green, blue]
 * @param {number[]} second
 */
export function contrast(first, second) {
  const a = relativeLuminance(first), b = relativeLuminance(second);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/**
 * Surface and text colours for text-bearing brand areas: white text when it reaches 4.5:1,
 * else the brand colour darkened by at most 30 % so that white text does, else near-black text.
 * @param {string} brandHex
 * @returns {{surface: string, text: string}}
 */
export function colorScheme(brandHex) {
  const brand = parseHex(brandHex) || [0, 123, 255];
  for (let factor = 1; factor > 0.69; factor -= 0.04) {
    const darker = brand.map((channel) => channel * factor);
    if (contrast(darker, WHITE) >= MINIMUM_CONTRAST) return { surface: toHex(darker), text: '#ffffff' };
  }
  return { surface: toHex(brand), text: contrast(brand, NEAR_BLACK) >= contrast(brand, WHITE) ? '#111111' : '#ffffff' };
}

/**
 * Colour of the "read" ✓✓ on the visitor's messages: the accent with the best contrast on the
 * message surface if it reaches 4.5:1, else the text colour (the state is also bold and has
 * hidden text, so it never relies on colour alone).
 * @param {string} surfaceHex
 * @param {string} textHex
 */
export function readColor(surfaceHex, textHex) {
  const surface = parseHex(surfaceHex) || [0, 0, 0];
  const accents = textHex === '#ffffff' ? ['#a5f3fc', '#bbf7d0', '#fde68a'] : ['#0b3d91', '#064e3b', '#5b1a7a'];
  const [bestContrast, best] = accents.map((accent) => [contrast(parseHex(accent), surface), accent]).sort((a, b) => b[0] - a[0])[0];
  return bestContrast >= MINIMUM_CONTRAST ? best : textHex;
}

/**
 * The window's custom properties for `config`: contrast-checked brand colours and the
 * `colors` option (camelCase keys become `--kebab-case`; values that could break out of the
 * declaration are dropped).
 * @param {{primaryColor: string, colors?: object}} config
 * @returns {string} one `:host{…}` rule
 */
export function windowVariablesCss(config) {
  const scheme = colorScheme(config.primaryColor);
  let css = `:host{--primary-surface:${scheme.surface};--primary-text:${scheme.text};--receipt-read:${readColor(scheme.surface, scheme.text)};`;
  for (const [key, value] of Object.entries(config.colors || {})) {
    const property = key.startsWith('--') ? key : '--' + key.replace(/[A-Z]/g, (letter) => '-' + letter.toLowerCase());
    if (/^--[\w-]+$/.test(property) && !/[;{}<>\\]/.test(String(value))) css += property + ':' + value + ';';
  }
  return css + '}';
}
