// Decorative SVG icons (the bubble's chat and close icons, the window's close and send icons).

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/**
 * A 24×24 SVG icon of one path, hidden from assistive technology.
 * @param {Document} document
 * @param {string} path the `d` attribute
 * @param {string} [className] class of the `<svg>` (e.g. `sanctum-stroke`: drawn with strokes)
 * @returns {SVGSVGElement}
 */
export function createIcon(document, path, className) {
  const svg = document.createElementNS(SVG_NAMESPACE, 'svg'), pathElement = document.createElementNS(SVG_NAMESPACE, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  if (className) svg.setAttribute('class', className);
  pathElement.setAttribute('d', path);
  svg.append(pathElement);
  return svg;
}
