import { parseHTML } from 'linkedom';
import { describe, expect, test } from 'vitest';
import { trajectorySvg } from './trajectory-chart.js';

const PAIN = {
  title: 'Pain by visit',
  yLabel: 'Pain, NRS 0–10',
  yDomain: [0, 10] as [number, number],
  mcid: 2,
};

function parse(svg: string) {
  return parseHTML(`<!doctype html><html><body>${svg}</body></html>`).document;
}

describe('a subject trajectory chart', () => {
  test('draws the MCID line at baseline − MCID, described in the chart label', () => {
    const svg = trajectorySvg(
      [
        { label: 'Baseline', value: 8 },
        { label: 'Week 2', value: null },
        { label: 'Week 4', value: 3.5 },
      ],
      PAIN,
    )!;
    const doc = parse(svg);
    const root = doc.querySelector('svg')!;
    expect(root.getAttribute('role')).toBe('img');
    expect(root.getAttribute('aria-label')).toBe(
      'Pain by visit: Baseline 8, Week 4 3.5. MCID line at 6 (baseline 8 minus 2).',
    );
    expect(doc.querySelector('title')?.textContent).toBe('Pain by visit');
    expect(doc.querySelector('[stroke-dasharray]')).not.toBeNull();
    // Every visit is on the axis, recorded or not.
    const ticks = Array.from(doc.querySelectorAll('text'), (t) => t.textContent);
    expect(ticks).toEqual(expect.arrayContaining(['Baseline', 'Week 2', 'Week 4']));
  });

  test('carries no inline style and no role-less aria labels (CSP style-src self, WCAG)', () => {
    const svg = trajectorySvg([{ label: 'Baseline', value: 40 }], { ...PAIN, yDomain: [0, 100], mcid: 10 })!;
    expect(svg).not.toMatch(/<style|\sstyle=/);
    const doc = parse(svg);
    expect(doc.querySelectorAll('svg [aria-label], svg [aria-description]').length).toBe(0);
  });

  test('has no MCID line when the outcome has none, and no chart without a value', () => {
    const svg = trajectorySvg([{ label: 'Baseline', value: 12 }], { ...PAIN, mcid: null })!;
    expect(svg).not.toContain('stroke-dasharray');
    expect(svg).not.toContain('MCID');
    expect(trajectorySvg([{ label: 'Baseline', value: null }], PAIN)).toBeNull();
  });

  test('leaves out an MCID line that would fall below the scale', () => {
    const svg = trajectorySvg([{ label: 'Baseline', value: 1 }], PAIN)!;
    expect(svg).not.toContain('stroke-dasharray');
    expect(svg).not.toContain('MCID');
  });
});
