// The console's charts, drawn as SVG by the console itself (no third-party code): each chart is
// a figure with an accessible name and a table of the same numbers.
import { createElement } from './dom.js';

/** The SVG namespace. */
const SVG = "http://www.w3.org/2000/svg";
/** The charts' width, the line chart's height and its padding (SVG units). */
export const WIDTH = 640, HEIGHT = 200, PAD = 28;

/** An SVG element with `attributes` and optional text. */
export function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, String(value));
  if (text != null) node.textContent = String(text);
  return node;
}

/** A chart: an SVG with a title (its accessible name) and a table of the same numbers. */
export function figure(title, chart, headers, rows) {
  const box = createElement("figure", "chart");
  box.append(createElement("figcaption", null, title));
  chart.setAttribute("role", "img");
  chart.setAttribute("aria-label", title);
  box.append(chart);
  const table = createElement("table", "chart-table");
  table.append(createElement("caption", "visually-hidden", title));
  const head = createElement("tr");
  headers.forEach((text) => { const th = createElement("th", null, text); th.scope = "col"; head.append(th); });
  table.append(createElement("thead"));
  table.tHead.append(head);
  const body = createElement("tbody");
  rows.forEach((cells) => {
    const row = createElement("tr");
    cells.forEach((cell, index) => {
      const td = createElement(index ? "td" : "th", null, cell);
      if (!index) td.scope = "row";
      row.append(td);
    });
    body.append(row);
  });
  table.append(body);
  const details = createElement("details");
  details.append(createElement("summary", null, "Table"), table);
  box.append(details);
  return box;
}

/** Horizontal bars, one per [label, value]. */
export function bars(items) {
  const max = Math.max(1, ...items.map(([, value]) => value));
  const chart = svg("svg", { viewBox: "0 0 " + WIDTH + " " + (items.length * 30 + 8), class: "bars" });
  items.forEach(([label, value], index) => {
    const y = index * 30 + 4;
    chart.append(svg("text", { x: 0, y: y + 16, class: "label" }, label));
    chart.append(svg("rect", { x: 250, y, width: Math.max(1, (WIDTH - 310) * value / max), height: 22, class: "bar" }));
    chart.append(svg("text", { x: 256 + (WIDTH - 310) * value / max, y: y + 16, class: "value" }, value));
  });
  return chart;
}

