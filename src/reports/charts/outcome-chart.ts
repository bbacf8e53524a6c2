// Mean and 95% CI of a patient-reported outcome at each visit, overall and by site (Observable Plot).
import * as Plot from '@observablehq/plot';
import type { OutcomeReport, ReportMeta, VisitSummary } from '../../analysis/study/types.js';
import {
  appendLegend,
  attrText,
  chartDocument,
  finishSvg,
  type SeriesStyle,
  seriesStyles,
} from './svg-kit.js';

export interface OutcomeChartOptions {
  /** Short title for the <title> element, e.g. "Pain by visit". */
  title: string;
  /** Y axis label with the unit, e.g. "Pain, NRS 0–10". */
  yLabel: string;
  /** The scale's fixed range: 0–10 for pain, 0–100 for ODI. */
  yDomain: [number, number];
}

interface Point {
  visit: string;
  mean: number | null;
  lo: number | null;
  hi: number | null;
}

const WIDTH = 680;
const HEIGHT = 320;
const MARGIN = { top: 40, right: 16, bottom: 34, left: 56 };

/** The visits an outcome was collected at, in protocol order, with their labels. */
export function outcomeVisits(outcome: OutcomeReport, visits: ReportMeta['visits']): ReportMeta['visits'] {
  const collected = new Set(outcome.by_visit.map((v) => v.visit));
  return visits.filter((v) => collected.has(v.code));
}

function points(rows: readonly VisitSummary[], labels: ReadonlyMap<string, string>): Point[] {
  return [...labels.entries()].map(([code, label]) => {
    const r = rows.find((x) => x.visit === code);
    return { visit: label, mean: r?.mean ?? null, lo: r?.ci_low ?? null, hi: r?.ci_high ?? null };
  });
}

/** Marks for one series, shifted sideways by `dx` so the CIs of overlapping series stay readable. */
function seriesMarks(style: SeriesStyle, data: Point[], dx: number): Plot.Markish[] {
  const withCi = data.filter((d) => d.mean !== null && d.lo !== null && d.hi !== null);
  const withMean = data.filter((d) => d.mean !== null);
  const label = style.label;
  return [
    Plot.ruleX(withCi, {
      x: 'visit',
      y1: 'lo',
      y2: 'hi',
      dx,
      stroke: style.colour,
      strokeWidth: 1.2,
      ariaDescription: attrText(`95% CI, ${label}`),
    }),
    Plot.line(data, {
      x: 'visit',
      y: 'mean',
      dx,
      stroke: style.colour,
      strokeWidth: style.overall ? 2.2 : 1.4,
      strokeOpacity: style.overall ? 1 : 0.85,
      ariaDescription: attrText(`line, ${label}`),
    }),
    Plot.dot(withMean, {
      x: 'visit',
      y: 'mean',
      dx,
      r: style.overall ? 4 : 3.5,
      symbol: style.symbol,
      fill: style.colour,
      stroke: 'white',
      strokeWidth: 0.8,
      ariaDescription: attrText(`means, ${label}`),
    }),
  ];
}

/**
 * Line chart of mean ± 95% CI by visit in protocol order: overall in black on top, each site in its
 * colour, dodged sideways so the intervals do not hide one another; the y axis is the full scale.
 */
export function outcomeChartSvg(
  outcome: OutcomeReport,
  meta: Pick<ReportMeta, 'sites' | 'visits'>,
  opts: OutcomeChartOptions,
): string {
  const visits = outcomeVisits(outcome, meta.visits);
  const labels = new Map(visits.map((v) => [v.code, v.label]));
  const styles = seriesStyles(meta.sites);
  const k = styles.length;
  const step = (WIDTH - MARGIN.left - MARGIN.right) / Math.max(1, visits.length);
  const spacing = Math.min(7, (step * 0.45) / Math.max(1, k - 1));
  const offset = (i: number) => (i - (k - 1) / 2) * spacing;
  const series = styles.map((style, i) => {
    const rows = style.overall
      ? outcome.by_visit
      : (outcome.by_site.find((s) => s.site === style.key)?.by_visit ?? []);
    return { style, data: points(rows, labels), dx: offset(i) };
  });
  // Sites first, the pooled series last so it is drawn on top.
  const ordered = [...series.slice(1), ...series.slice(0, 1)];
  const svg = Plot.plot({
    document: chartDocument(),
    width: WIDTH,
    height: HEIGHT,
    marginTop: MARGIN.top,
    marginRight: MARGIN.right,
    marginBottom: MARGIN.bottom,
    marginLeft: MARGIN.left,
    style: { fontSize: '11px', overflow: 'visible' },
    x: { type: 'point', domain: [...labels.values()], label: null, padding: 0.5, tickSize: 0 },
    y: {
      domain: opts.yDomain,
      grid: true,
      nice: true,
      label: opts.yLabel,
      labelAnchor: 'center',
      labelArrow: 'none',
    },
    marks: [Plot.ruleY([opts.yDomain[0]]), ...ordered.flatMap((s) => seriesMarks(s.style, s.data, s.dx))],
  });
  appendLegend(svg, styles, MARGIN.left, 14);
  const n = outcome.by_visit.map((v) => v.n);
  const description =
    `${opts.title}: mean and 95% confidence interval at ${visits.length} visits ` +
    `(${visits.map((v) => v.label).join(', ')}), overall and for ${meta.sites.length} sites; ` +
    `overall n per visit ${n.join(', ')}.`;
  return finishSvg(svg, opts.title, description);
}
