// Plugin activity: the events plugins publish (PluginHost.publish), newest first, for the
// operator and the site's agents. Every value is shown as text.
import { byId, createElement } from './dom.js';

const KEEP = 50;  // most events shown

/** Adds a `plugin` event to the panel (and shows the panel on the first one). */
export function showPluginEvent(event) {
  const data = event.data || {};
  const list = byId("pluginEvents");
  const item = createElement("li", "plugin-event");
  const head = createElement("p", "plugin-event-head");
  head.append(createElement("strong", null, data.name || "plugin event"));
  if (event.site_id) head.append(" · ", createElement("span", "muted", event.site_id));
  const time = createElement("time", "muted", new Date(event.at || Date.now()).toLocaleTimeString());
  if (event.at) time.dateTime = event.at;
  head.append(" · ", time);
  item.append(head);
  const attributes = Object.keys(data.attributes || {}).sort();
  if (attributes.length) {
    const details = createElement("p", "plugin-event-attributes muted",
      attributes.map((name) => name + "=" + String(data.attributes[name])).join("  "));
    item.append(details);
  }
  list.prepend(item);
  while (list.children.length > KEEP) list.lastElementChild.remove();
  byId("pluginActivity").hidden = false;
}
