// Tiny DOM builders. User text only ever goes through textContent (`text` property), never
// through HTML parsing.

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/**
 * Creates an element. Properties: `text` sets textContent, `on<event>` adds a listener, any
 * other name sets an attribute (`true` as an empty attribute; null, undefined and false are
 * skipped). Null children are skipped.
 * @param {Document} document
 * @param {string} tag
 * @param {object | null} properties
 * @param {...(Node | string | null)} children
 */
export function createElement(document, tag, properties, ...children) {
  const element = document.createElement(tag);
  for (const name in properties || {}) {
    const value = properties[name];
    if (value == null || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.filter((child) => child != null));
  return element;
}

/**
 * A 24×24 decorative SVG icon of one path.
 * @param {Document} document
 * @param {string} path the `d` attribute
 * @param {boolean} [stroked] drawn with strokes (class `sanctum-stroke`) instead of filled
 */
export function createIcon(document, path, stroked) {
  const svg = document.createElementNS(SVG_NAMESPACE, 'svg'), pathElement = document.createElementNS(SVG_NAMESPACE, 'path');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  if (stroked) svg.setAttribute('class', 'sanctum-stroke');
  pathElement.setAttribute('d', path);
  svg.append(pathElement);
  return svg;
}
