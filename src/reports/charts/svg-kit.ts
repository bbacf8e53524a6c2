// Shared pieces of the server-rendered charts: a linkedom document for Observable Plot, the site
// palette, an in-SVG legend, and the accessible finish (role, <title>, aria-label) every chart gets.
import { parseHTML } from 'linkedom';

/** A fresh DOM document for one chart; Plot builds its SVG in it (no browser needed). */
export function chartDocument(): Document {
  return parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
}

/** Colour of the pooled ("overall") series in every chart. */
export const OVERALL_COLOUR = '#1a1a1a';

// Okabe–Ito, safe for colour-blind readers and distinct in greyscale print when paired with symbols.
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7F6A00', '#882255'];
// Symbols the legend can draw too; with more sites than symbols the colour still tells them apart.
const SYMBOLS = ['square', 'triangle', 'diamond'] as const;

export type SymbolName = (typeof SYMBOLS)[number] | 'circle';

/** One series as every chart draws it: the site colour and symbol follow the site's position in the report. */
export interface SeriesStyle {
  key: string;
  label: string;
  colour: string;
  symbol: SymbolName;
  overall: boolean;
}

/** The overall series and one per site, in the report's site order, so a site looks the same in every chart. */
export function seriesStyles(sites: readonly { id: string }[]): SeriesStyle[] {
  return [
    { key: '', label: 'Overall', colour: OVERALL_COLOUR, symbol: 'circle', overall: true },
    ...sites.map(
      (s, i): SeriesStyle => ({
        key: s.id,
        label: s.id,
        colour: PALETTE[i % PALETTE.length] ?? OVERALL_COLOUR,
        symbol: SYMBOLS[i % SYMBOLS.length] ?? 'circle',
        overall: false,
      }),
    ),
  ];
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * Attribute text from data (site names in aria labels). linkedom 0.18 escapes only `"` when it
 * serialises attribute values, so `&`, `<` and `>` are escaped here; the chart tests parse the
 * output back to check the value survives unchanged.
 */
export function attrText(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Creates an SVG element with attributes; text goes through textContent, so it is escaped on output. */
export function svgEl(
  doc: Document,
  tag: string,
  attrs: Record<string, string | number>,
  text?: string,
): Element {
  const el = doc.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Draws a one-line legend (line + symbol + label per series) into the SVG at (x, y). */
export function appendLegend(
  svg: Element,
  items: readonly SeriesStyle[],
  x: number,
  y: number,
  opts: { line?: boolean; symbol?: boolean } = {},
): void {
  const doc = svg.ownerDocument;
  const g = svgEl(doc, 'g', { 'aria-label': 'legend', 'font-size': 11, 'text-anchor': 'start' });
  let cx = x;
  for (const item of items) {
    const sw = svgEl(doc, 'g', { transform: `translate(${cx},${y})` });
    if (opts.line !== false) {
      sw.appendChild(
        svgEl(doc, 'line', {
          x1: 0,
          x2: 22,
          y1: 0,
          y2: 0,
          stroke: item.colour,
          'stroke-width': item.overall ? 2.2 : 1.5,
        }),
      );
    }
    if (opts.symbol !== false) sw.appendChild(symbolShape(doc, item, 11, 0));
    sw.appendChild(svgEl(doc, 'text', { x: 28, y: 0, dy: '0.32em', fill: 'currentColor' }, item.label));
    g.appendChild(sw);
    // Advance by an estimate of the label width (no layout engine on the server): ~6.2 px a character.
    cx += 28 + Math.max(3, item.label.length) * 6.2 + 18;
  }
  svg.appendChild(g);
}

/** The legend's copy of a series symbol, sized like Plot's dot symbols at r = 3.5. */
function symbolShape(doc: Document, item: SeriesStyle, cx: number, cy: number): Element {
  const fill = item.colour;
  if (item.symbol === 'circle') return svgEl(doc, 'circle', { cx, cy, r: 3.5, fill });
  if (item.symbol === 'square')
    return svgEl(doc, 'rect', { x: cx - 3.2, y: cy - 3.2, width: 6.4, height: 6.4, fill });
  if (item.symbol === 'triangle') {
    return svgEl(doc, 'path', { d: `M${cx},${cy - 4.2}L${cx + 4},${cy + 2.8}L${cx - 4},${cy + 2.8}Z`, fill });
  }
  return svgEl(doc, 'path', {
    d: `M${cx},${cy - 4.5}L${cx + 4},${cy}L${cx},${cy + 4.5}L${cx - 4},${cy}Z`,
    fill,
  });
}

/**
 * Makes a chart accessible and self-contained: role="img", a <title> first, an aria-label, fonts
 * inherited from the page, and no xmlns (inline SVG in HTML needs none; the report has no URLs).
 */
export function finishSvg(svg: Element, title: string, description: string): string {
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', attrText(description));
  svg.removeAttribute('font-family');
  svg.removeAttribute('xmlns');
  const t = svgEl(svg.ownerDocument, 'title', {}, title);
  svg.insertBefore(t, svg.firstChild);
  return svg.outerHTML;
}
