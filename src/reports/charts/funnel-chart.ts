// Funnel plot of each site's value against its n, with 95% and 99.8% control limits around the pool
// (Spiegelhalter 2005); Observable Plot on the server.
import * as Plot from '@observablehq/plot';
import type { ReportMeta, SiteReport } from '../../analysis/study/types.js';
import { chartDocument, finishSvg, OVERALL_COLOUR, seriesStyles, svgEl } from './svg-kit.js';

const WIDTH = 680;
const HEIGHT = 330;
const Z95 = 1.959964;
const Z998 = 3.090232;

interface SitePoint {
  site: string;
  n: number;
  value: number;
  colour: string;
  outside: string | null;
}

/**
 * The SD behind the limits, recovered from a site's own limits: (upper95 − pool)·√n / z. Every
 * site has the same pooled SD, so the first site with limits is enough.
 */
export function funnelSd(sites: readonly SiteReport[]): number | null {
  for (const s of sites) {
    const f = s.funnel;
    if (f.upper95 !== null && f.pool !== null && f.n > 0)
      return ((f.upper95 - f.pool) * Math.sqrt(f.n)) / Z95;
  }
  return null;
}

/** Points of the control-limit curves pool ± z·SD/√n for n from `from` to `to`. */
function limitCurves(pool: number, sd: number, from: number, to: number) {
  const rows: { n: number; l95: number; u95: number; l998: number; u998: number }[] = [];
  const steps = 80;
  for (let i = 0; i <= steps; i++) {
    // Denser where the funnel bends: n grows geometrically.
    const n = from * (to / from) ** (i / steps);
    const se = sd / Math.sqrt(n);
    rows.push({
      n,
      l95: pool - Z95 * se,
      u95: pool + Z95 * se,
      l998: pool - Z998 * se,
      u998: pool + Z998 * se,
    });
  }
  return rows;
}

/** Funnel plot: sites as points coloured as everywhere else, the pool as a line, limits as curves. */
export function funnelChartSvg(
  sites: readonly SiteReport[],
  meta: Pick<ReportMeta, 'sites'>,
  yLabel: string,
): string {
  const styles = new Map(seriesStyles(meta.sites).map((s) => [s.key, s]));
  const points: SitePoint[] = sites
    .filter((s) => s.funnel.value !== null && s.funnel.n > 0)
    .map((s) => ({
      site: s.site,
      n: s.funnel.n,
      value: s.funnel.value as number,
      colour: styles.get(s.site)?.colour ?? OVERALL_COLOUR,
      outside: s.funnel.outside,
    }));
  const pool = sites.find((s) => s.funnel.pool !== null)?.funnel.pool ?? null;
  const sd = funnelSd(sites);
  const maxN = Math.max(10, ...points.map((p) => p.n)) * 1.25;
  const minN = Math.max(1, Math.min(3, ...points.map((p) => p.n)));
  const curves = pool !== null && sd !== null ? limitCurves(pool, sd, minN, maxN) : [];
  const limitMarks: Plot.Markish[] = [];
  if (pool !== null)
    limitMarks.push(
      Plot.ruleY([pool], { stroke: OVERALL_COLOUR, strokeWidth: 1.2, ariaDescription: 'pool' }),
    );
  for (const [key, dash, label] of [
    ['95', '4,3', '95% limits'],
    ['998', '1.5,2.5', '99.8% limits'],
  ] as const) {
    for (const side of ['l', 'u'] as const) {
      limitMarks.push(
        Plot.line(curves, {
          x: 'n',
          y: `${side}${key}`,
          stroke: '#555',
          strokeDasharray: dash,
          ariaDescription: label,
        }),
      );
    }
  }
  const ys = [...points.map((p) => p.value), ...curves.flatMap((c) => [c.l998, c.u998])];
  const pad = 0.05 * (Math.max(...ys, 0) - Math.min(...ys, 0) || 1);
  const svg = Plot.plot({
    document: chartDocument(),
    width: WIDTH,
    height: HEIGHT,
    marginTop: 40,
    marginLeft: 56,
    marginRight: 60,
    marginBottom: 42,
    style: { fontSize: '11px', overflow: 'visible' },
    x: { domain: [0, maxN], label: 'Participants with data (n)', labelAnchor: 'center', labelArrow: 'none' },
    y: {
      domain: [Math.min(...ys) - pad, Math.max(...ys) + pad],
      nice: true,
      grid: true,
      label: yLabel,
      labelAnchor: 'center',
      labelArrow: 'none',
    },
    marks: [
      ...limitMarks,
      Plot.dot(points, {
        x: 'n',
        y: 'value',
        fill: 'colour',
        r: 5,
        stroke: 'white',
        strokeWidth: 1,
        ariaDescription: 'sites',
      }),
      Plot.text(points, {
        x: 'n',
        y: 'value',
        text: 'site',
        dx: 8,
        textAnchor: 'start',
        fontSize: 11,
        ariaDescription: 'site labels',
      }),
    ],
  });
  appendKey(svg, pool);
  const outside = points
    .filter((p) => p.outside !== null)
    .map((p) => `${p.site} outside the ${p.outside}% limits`);
  const description =
    `Funnel plot of ${points.length} sites: ${yLabel} against n, pooled value ${pool === null ? 'not estimable' : pool.toFixed(2)}, ` +
    `with 95% and 99.8% control limits. ${outside.length ? outside.join('; ') : 'All sites within the 95% limits'}.`;
  return finishSvg(svg, 'Sites against the pool (funnel plot)', description);
}

/** Key to the line styles in the top margin: pool, 95% and 99.8% limits. */
function appendKey(svg: Element, pool: number | null): void {
  const doc = svg.ownerDocument;
  const g = svgEl(doc, 'g', {
    'aria-label': 'legend',
    'font-size': 11,
    fill: 'currentColor',
    'text-anchor': 'start',
  });
  const items = [
    {
      label: `Pool${pool === null ? '' : ` (${pool.toFixed(2).replace('-', '\u2212')})`}`,
      dash: '',
      colour: OVERALL_COLOUR,
    },
    { label: '95% control limits', dash: '4,3', colour: '#555' },
    { label: '99.8% control limits', dash: '1.5,2.5', colour: '#555' },
  ];
  let x = 56;
  for (const it of items) {
    const attrs: Record<string, string | number> = {
      x1: x,
      x2: x + 24,
      y1: 14,
      y2: 14,
      stroke: it.colour,
      'stroke-width': 1.4,
    };
    if (it.dash) attrs['stroke-dasharray'] = it.dash;
    g.appendChild(svgEl(doc, 'line', attrs));
    g.appendChild(svgEl(doc, 'text', { x: x + 30, y: 14, dy: '0.32em' }, it.label));
    x += 30 + it.label.length * 6.2 + 22;
  }
  svg.appendChild(g);
}
