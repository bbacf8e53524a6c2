// One subject's outcome over its visits as an SVG line chart with the MCID line, drawn with the
// study report's chart code (Observable Plot on a linkedom document, src/reports/charts/svg-kit.ts).
import * as Plot from '@observablehq/plot';
import { chartDocument, finishSvg, OVERALL_COLOUR } from '../../reports/charts/svg-kit.js';

/** One visit of the trajectory: its label and the outcome's value there (null: not recorded). */
export interface TrajectoryPoint {
  label: string;
  value: number | null;
}

export interface TrajectoryOptions {
  /** Short title, e.g. "Pain by visit". */
  title: string;
  /** Y axis label with the unit. */
  yLabel: string;
  /** The scale's full range: 0–10 for pain, 0–100 for ODI. */
  yDomain: [number, number];
  /** Minimal clinically important improvement (lower is better); null: no MCID line. */
  mcid: number | null;
}

const WIDTH = 560;
const HEIGHT = 260;
const MCID_COLOUR = '#a4161a';

/**
 * Fits Plot's SVG to the staff pages. Plot writes a `<style>` element and a `style` attribute; the
 * page's CSP allows only the app's stylesheet (style-src 'self'), so both go and `.chart svg` in
 * app-css.ts styles it. Plot also labels its mark groups (`<g aria-label>`), which WCAG forbids on an
 * element without a role; the chart is one image (role="img") described by its own aria-label.
 */
function fitForPage(svg: Element): void {
  for (const el of Array.from(svg.querySelectorAll('style'))) el.remove();
  for (const el of [svg, ...Array.from(svg.querySelectorAll('[style]'))]) el.removeAttribute('style');
  for (const el of Array.from(svg.querySelectorAll('[aria-label],[aria-description]'))) {
    el.removeAttribute('aria-label');
    el.removeAttribute('aria-description');
  }
}

/**
 * The subject's values in visit order; the MCID line is drawn at baseline − MCID (the first recorded
 * value), the level a follow-up value must reach to count as a clinically important improvement.
 * Returns null when no value is recorded.
 */
export function trajectorySvg(points: readonly TrajectoryPoint[], opts: TrajectoryOptions): string | null {
  const recorded = points.filter((p) => p.value !== null);
  const baseline = recorded[0]?.value ?? null;
  if (baseline === null) return null;
  // Below the scale's end no value can reach it: no line then.
  const level = opts.mcid === null ? null : baseline - opts.mcid;
  const threshold = level !== null && level >= opts.yDomain[0] ? level : null;
  const marks: Plot.Markish[] = [
    // Visit labels wrap onto two lines (about 7 em each) rather than run into one another.
    Plot.axisX({ tickSize: 0, lineWidth: 7 }),
    Plot.ruleY([opts.yDomain[0]]),
    Plot.line(recorded, {
      x: 'label',
      y: 'value',
      stroke: OVERALL_COLOUR,
      strokeWidth: 2,
    }),
    Plot.dot(recorded, {
      x: 'label',
      y: 'value',
      r: 4,
      fill: OVERALL_COLOUR,
    }),
    Plot.text(recorded, {
      x: 'label',
      y: 'value',
      text: (d: TrajectoryPoint) => String(d.value),
      dy: -10,
      fill: 'currentColor',
    }),
  ];
  if (threshold !== null) {
    marks.push(
      Plot.ruleY([threshold], {
        stroke: MCID_COLOUR,
        strokeDasharray: '5,4',
      }),
      Plot.text([threshold], {
        y: (d: number) => d,
        frameAnchor: 'right',
        text: () => `MCID (baseline − ${opts.mcid})`,
        dy: -7,
        fill: MCID_COLOUR,
        textAnchor: 'end',
      }),
    );
  }
  const svg = Plot.plot({
    document: chartDocument(),
    width: WIDTH,
    height: HEIGHT,
    marginTop: 24,
    marginRight: 16,
    marginBottom: 40,
    marginLeft: 56,
    x: { type: 'point', domain: points.map((p) => p.label), label: null, padding: 0.4, axis: null },
    y: { domain: opts.yDomain, grid: true, label: opts.yLabel, labelAnchor: 'center', labelArrow: 'none' },
    marks,
  }) as unknown as Element;
  fitForPage(svg);
  const values = recorded.map((p) => `${p.label} ${p.value}`).join(', ');
  const mcidText =
    threshold === null ? '' : ` MCID line at ${threshold} (baseline ${baseline} minus ${opts.mcid}).`;
  return finishSvg(svg, opts.title, `${opts.title}: ${values}.${mcidText}`);
}
