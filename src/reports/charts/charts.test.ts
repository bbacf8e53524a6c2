import { parseHTML } from 'linkedom';
import { describe, expect, test } from 'vitest';
import { sampleReport } from '../../../test/fixtures/sample-report.js';
import type { StudyReport } from '../../analysis/study/types.js';
import { flowDiagramSvg, wrap } from './flow-diagram.js';
import { funnelChartSvg, funnelSd } from './funnel-chart.js';
import { AT_RISK_DAYS, atRisk, kmChartSvg } from './km-chart.js';
import { outcomeChartSvg } from './outcome-chart.js';

/** Parses one SVG string as the browser would inline it, and returns its root. */
function parseSvg(svg: string): Element {
  const { document } = parseHTML(`<!doctype html><html><body>${svg}</body></html>`);
  const root = document.querySelector('body > svg');
  if (!root) throw new Error('no <svg> root');
  expect(document.body.children.length).toBe(1);
  return root as unknown as Element;
}

const group = (svg: Element, description: string) =>
  svg.querySelector(`g[aria-description="${description}"]`);
const painOpts = { title: 'Pain by visit', yLabel: 'Pain, NRS 0–10', yDomain: [0, 10] as [number, number] };

function allCharts(r: StudyReport): string[] {
  return [
    outcomeChartSvg(r.outcomes.pain, r.meta, painOpts),
    outcomeChartSvg(r.outcomes.odi, r.meta, { title: 'ODI by visit', yLabel: 'ODI, %', yDomain: [0, 100] }),
    kmChartSvg(r.time_to_event.opioid_cessation, r.meta),
    funnelChartSvg(r.sites, r.meta, 'Mean pain change at week 12'),
    flowDiagramSvg(r.flow, r.meta),
  ];
}

describe('charts', () => {
  test('every chart is one accessible SVG: role img, a <title> first, a readable aria-label', () => {
    for (const s of allCharts(sampleReport())) {
      const svg = parseSvg(s);
      expect(svg.getAttribute('role')).toBe('img');
      expect(svg.firstElementChild?.tagName.toLowerCase()).toBe('title');
      expect(svg.firstElementChild?.textContent?.length).toBeGreaterThan(5);
      expect(svg.getAttribute('aria-label')?.length).toBeGreaterThan(40);
      expect(s).not.toMatch(/https?:\/\//);
    }
  });

  test('the pain chart has one series per site plus overall, a point per visit with data', () => {
    const r = sampleReport();
    const svg = parseSvg(outcomeChartSvg(r.outcomes.pain, r.meta, painOpts));
    // Pain is not collected at the procedure visit: 7 visits on the axis, in protocol order.
    const ticks = Array.from(svg.querySelectorAll('g[aria-label="x-axis tick label"] text')).map(
      (t) => t.textContent,
    );
    expect(ticks).toEqual(['Baseline', '30 min', 'Week 2', 'Week 4', 'Week 12', 'Week 24', 'Week 52']);
    expect(group(svg, 'means, Overall')?.children.length).toBe(7);
    expect(group(svg, 'means, VCU')?.children.length).toBe(7);
    // OC has nobody due at week 52: no point and no interval there.
    expect(group(svg, 'means, OC')?.children.length).toBe(6);
    expect(group(svg, '95% CI, OC')?.children.length).toBe(6);
    expect(svg.querySelectorAll('g[aria-description^="line, "]').length).toBe(4);
    expect(svg.querySelectorAll('g[aria-label="legend"] text').length).toBe(4);
  });

  test('the Kaplan–Meier chart draws a step curve per group, one band, censor marks and the numbers at risk', () => {
    const r = sampleReport();
    const tte = r.time_to_event.opioid_cessation;
    const svg = parseSvg(kmChartSvg(tte, r.meta));
    expect(svg.querySelectorAll('g[aria-description^="curve, "]').length).toBe(4);
    expect(svg.querySelectorAll('g[aria-description^="95% CI band, "]').length).toBe(1);
    expect(group(svg, 'censored, Overall')?.children.length).toBe(
      tte.km.filter((p) => p.n_censor > 0).length,
    );
    const table = svg.querySelector('g[aria-label="numbers at risk"]');
    // A header, then per group its label and one number per fixed day.
    expect(table?.children.length).toBe(1 + 4 * (1 + AT_RISK_DAYS.length));
    expect(
      Array.from(table?.querySelectorAll('text') ?? [])
        .slice(2, 7)
        .map((t) => t.textContent),
    ).toEqual(['38', '24', '14', '7', '0']);
  });

  test('numbers at risk count subjects whose time is at least the day, as R summary(survfit, times)', () => {
    const km = sampleReport().time_to_event.opioid_cessation.km;
    expect(AT_RISK_DAYS.map((d) => atRisk(km, 38, d))).toEqual([38, 24, 14, 7, 0]);
    expect(atRisk(km, 38, 14)).toBe(38);
    expect(atRisk(km, 38, 15)).toBe(31);
  });

  test('the funnel plot has a point per site with data, the pool and four limit curves', () => {
    const r = sampleReport();
    const svg = parseSvg(funnelChartSvg(r.sites, r.meta, 'Mean pain change'));
    expect(group(svg, 'sites')?.children.length).toBe(3);
    expect(svg.querySelectorAll('g[aria-description="95% limits"]').length).toBe(2);
    expect(svg.querySelectorAll('g[aria-description="99.8% limits"]').length).toBe(2);
    expect(svg.getAttribute('aria-label')).toContain('APMSS outside the 95% limits');
    // The SD recovered from any site's limits is the one the limits were built from.
    expect(funnelSd(r.sites)).toBeCloseTo(2.1, 4);
  });

  test('the flow diagram has a box per step and visit, side boxes, and every count', () => {
    const r = sampleReport();
    const s = flowDiagramSvg(r.flow, r.meta);
    const svg = parseSvg(s);
    // 3 main steps + 7 visits + status, 2 side boxes, 1 box of those who left.
    expect(svg.querySelectorAll('rect').length).toBe(3 + 7 + 1 + 2 + 1);
    const text = Array.from(svg.querySelectorAll('text'))
      .map((t) => t.textContent)
      .join('\n');
    expect(text).toContain('Week 52: seen 30 of 36 due');
    expect(text).toContain('Left the study (n = 7)');
    expect(text).toContain('not reachable by phone or mail (3)');
  });

  test('wraps long reasons at spaces', () => {
    expect(wrap('a reason that is rather long for one line', 16)).toEqual([
      'a reason that is',
      'rather long for',
      'one line',
    ]);
  });

  test('the same report gives byte-identical charts', () => {
    expect(allCharts(sampleReport())).toEqual(allCharts(sampleReport()));
  });

  test('a hostile site id is escaped in text and attributes, and survives unchanged', () => {
    const hostile = '<script>alert(1)</script>&"';
    const r = JSON.parse(
      JSON.stringify(sampleReport()).replaceAll('"OC"', JSON.stringify(hostile)),
    ) as StudyReport;
    for (const s of allCharts(r)) {
      expect(s).not.toContain('<script');
      const svg = parseSvg(s);
      expect(svg.querySelectorAll('script').length).toBe(0);
    }
    const svg = parseSvg(outcomeChartSvg(r.outcomes.pain, r.meta, painOpts));
    const legend = Array.from(svg.querySelectorAll('g[aria-label="legend"] text')).map((t) => t.textContent);
    expect(legend).toContain(hostile);
    const descriptions = Array.from(svg.querySelectorAll('g[aria-description]')).map((g) =>
      g.getAttribute('aria-description'),
    );
    expect(descriptions).toContain(`means, ${hostile}`);
  });
});
