// Tiny DOM builder. User text only ever goes through textContent (`text` property), never
// through HTML parsing.

/**
 * Creates an element. Own properties: `text` sets textContent, `on<event>` adds a listener, any
 * other name sets an attribute (`true` as an empty attribute; null, undefined and false are
 * skipped). Null children are skipped.
 * @param {Document} document
 * @param {string} tag
 * @param {object | null} properties
 * @param {...(Node | string | null)} children
 */
export function createElement(document, tag, properties, ...children) {
  const element = document.createElement(tag);
  for (const name of Object.keys(properties || {})) { // own only: never a page's Object.prototype additions
    const value = properties[name];
    if (value == null || value === false) continue;
    if (name === 'text') element.textContent = value;
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  element.append(...children.filter((child) => child != null));
  return element;
}
