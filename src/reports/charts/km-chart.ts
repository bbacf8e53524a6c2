// Kaplan–Meier curves of time to opioid cessation, overall and by site, with the numbers at risk
// printed under the x axis as journals expect (Observable Plot plus a hand-set table in the SVG).
import * as Plot from '@observablehq/plot';
import type { KmPoint, ReportMeta, TimeToEventReport } from '../../analysis/study/types.js';
import {
  appendLegend,
  attrText,
  chartDocument,
  finishSvg,
  type SeriesStyle,
  seriesStyles,
  svgEl,
} from './svg-kit.js';

/** Days at which the numbers at risk are printed under the curve. */
export const AT_RISK_DAYS: readonly number[] = [0, 30, 90, 180, 365];

const WIDTH = 680;
const PLOT_HEIGHT = 250;
const MARGIN = { top: 40, right: 20, left: 70, axis: 42 };
const ROW = 15;

/**
 * Number at risk at `day`: subjects whose time is ≥ day, as R `summary(survfit, times)`. The curve
 * has a point at every event or censoring time, so it is the n at risk of the first point at or after
 * `day`, all `n` at day 0, and 0 after the last time.
 */
export function atRisk(km: readonly KmPoint[], n: number, day: number): number {
  if (day <= 0) return n;
  return km.find((p) => p.day >= day)?.n_risk ?? 0;
}

interface Step {
  day: number;
  surv: number;
  lower: number | null;
  upper: number | null;
}

function steps(km: readonly KmPoint[]): Step[] {
  const start = km[0]?.day === 0 ? [] : [{ day: 0, surv: 1, lower: 1, upper: 1 }];
  return [...start, ...km.map((p) => ({ day: p.day, surv: p.surv, lower: p.lower, upper: p.upper }))];
}

function curveMarks(style: SeriesStyle, km: readonly KmPoint[]): Plot.Markish[] {
  const data = steps(km);
  const censored = km.filter((p) => p.n_censor > 0);
  const label = style.label;
  // Only the pooled curve gets its band: overlapping site bands would hide the curves (site CIs are in the table).
  const band = style.overall
    ? [
        Plot.areaY(data, {
          x: 'day',
          y1: 'lower',
          y2: 'upper',
          curve: 'step-after',
          fill: style.colour,
          fillOpacity: 0.12,
          ariaDescription: attrText(`95% CI band, ${label}`),
        }),
      ]
    : [];
  return [
    ...band,
    Plot.line(data, {
      x: 'day',
      y: 'surv',
      curve: 'step-after',
      stroke: style.colour,
      strokeWidth: style.overall ? 2.2 : 1.5,
      ariaDescription: attrText(`curve, ${label}`),
    }),
    Plot.dot(censored, {
      x: 'day',
      y: 'surv',
      symbol: 'plus',
      r: 3.5,
      stroke: style.colour,
      ariaDescription: attrText(`censored, ${label}`),
    }),
  ];
}

/** Step curves with log-scale 95% CI bands and censor marks; a numbers-at-risk table at fixed days. */
export function kmChartSvg(
  tte: TimeToEventReport['opioid_cessation'],
  meta: Pick<ReportMeta, 'sites'>,
): string {
  const styles = seriesStyles(meta.sites);
  const series = styles.map((style) => {
    if (style.overall) return { style, km: tte.km, n: tte.n };
    const s = tte.by_site.find((b) => b.site === style.key);
    return { style, km: s?.km ?? [], n: s?.n ?? 0 };
  });
  const maxDay = Math.max(365, ...series.flatMap((s) => s.km.map((p) => p.day)));
  const marginBottom = MARGIN.axis + 20 + series.length * ROW;
  const drawn = series.filter((s) => s.km.length > 0);
  const svg = Plot.plot({
    document: chartDocument(),
    width: WIDTH,
    height: MARGIN.top + PLOT_HEIGHT + marginBottom,
    marginTop: MARGIN.top,
    marginRight: MARGIN.right,
    marginLeft: MARGIN.left,
    marginBottom,
    style: { fontSize: '11px', overflow: 'visible' },
    x: { domain: [0, maxDay], ticks: [...AT_RISK_DAYS], label: null },
    y: {
      domain: [0, 1],
      grid: true,
      tickFormat: (d: number) => d.toFixed(1),
      label: 'Proportion still taking opioids',
      labelAnchor: 'center',
      labelArrow: 'none',
    },
    marks: [
      Plot.ruleY([0]),
      // Sites first, the pooled curve last so it is drawn on top.
      ...[...drawn.slice(1), ...drawn.slice(0, 1)].flatMap((s) => curveMarks(s.style, s.km)),
    ],
  });
  appendLegend(svg, styles, MARGIN.left, 14, { symbol: false });
  const x = svg.scale('x');
  const top = MARGIN.top + PLOT_HEIGHT + MARGIN.axis + 8;
  const doc = svg.ownerDocument;
  // The axis label is set by hand: Plot would put it at the bottom of the margin, under the table.
  const mid = MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2;
  svg.appendChild(
    svgEl(
      doc,
      'text',
      { x: mid, y: MARGIN.top + PLOT_HEIGHT + 32, 'text-anchor': 'middle', fill: 'currentColor' },
      'Days since procedure',
    ),
  );
  const table = svgEl(doc, 'g', { 'aria-label': 'numbers at risk', 'font-size': 10.5, fill: 'currentColor' });
  table.appendChild(
    svgEl(doc, 'text', { x: 0, y: top, 'font-weight': 600, 'text-anchor': 'start' }, 'Number at risk'),
  );
  series.forEach((s, i) => {
    const y = top + (i + 1) * ROW;
    table.appendChild(
      svgEl(
        doc,
        'text',
        { x: MARGIN.left - 12, y, 'text-anchor': 'end', fill: s.style.colour },
        s.style.label,
      ),
    );
    for (const day of AT_RISK_DAYS) {
      const cx = x?.apply(day);
      if (typeof cx !== 'number') continue;
      const attrs = { x: cx, y, 'text-anchor': 'middle', 'font-variant-numeric': 'tabular-nums' };
      table.appendChild(svgEl(doc, 'text', attrs, String(atRisk(s.km, s.n, day))));
    }
  });
  svg.appendChild(table);
  const median = tte.median_days === null ? 'not reached' : `${tte.median_days} days`;
  const description =
    `Kaplan–Meier curves of time to opioid cessation for ${tte.n} participants on opioids at baseline ` +
    `(${tte.events} stopped), overall and for ${meta.sites.length} sites, with 95% confidence bands; ` +
    `overall median ${median}. Numbers at risk at days ${AT_RISK_DAYS.join(', ')} are printed below the axis.`;
  return finishSvg(svg, 'Time to opioid cessation', description);
}
