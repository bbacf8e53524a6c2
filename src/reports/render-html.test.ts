import { parseHTML } from 'linkedom';
import { describe, expect, test } from 'vitest';
import { sampleReport } from '../../test/fixtures/sample-report.js';
import type { StudyReport } from '../analysis/study/types.js';
import { REPORT_SECTIONS, renderReportHtml } from './render-html.js';

const METHOD_KEYS = [
  'flow',
  'table1',
  'outcomes',
  'change',
  'responders',
  'lmm',
  'opioids',
  'km',
  'adverse_events',
  'care_gap',
  'completeness',
  'funnel',
];

function parse(html: string) {
  return parseHTML(html).document;
}

describe('renderReportHtml', () => {
  const report = sampleReport();
  const html = renderReportHtml(report);
  const doc = parse(html);

  test('has the ten numbered sections in order, each with its heading', () => {
    const headings = Array.from(doc.querySelectorAll('section > h2')).map((h) => h.textContent);
    expect(headings).toEqual(REPORT_SECTIONS.map((s, i) => `${i + 1}${s.title}`));
    expect(Array.from(doc.querySelectorAll('main > section')).map((s) => s.id)).toEqual(
      REPORT_SECTIONS.map((s) => s.id),
    );
  });

  test('opens with a title block: protocol, generation date, participants and sites', () => {
    const header = doc.querySelector('header')?.textContent ?? '';
    expect(header).toContain('SIF Registry study report');
    expect(header).toContain('sacroplasty-sif, version 1.0');
    expect(header).toContain('30 June 2025, 09:15 UTC');
    expect(header).toContain('61 in the registry; 54 enrolled, 52 treated');
    expect(header).toContain('Advanced Pain Management and Spine Specialists');
    expect(header).toContain('— not estimable or no data');
  });

  test.each(METHOD_KEYS)('prints the methods paragraph "%s" under its table', (key) => {
    const paragraphs = Array.from(doc.querySelectorAll(`p.methods[data-methods="${key}"]`));
    expect(paragraphs.length).toBeGreaterThan(0);
    for (const p of paragraphs) {
      expect(p.textContent).toBe(`Methods. ${report.methods[key]}`);
      // A methods paragraph follows a table (or the note under one), never floats alone.
      const before = p.previousElementSibling?.tagName.toLowerCase();
      expect(['table', 'p', 'figure']).toContain(before);
    }
  });

  test('ends with the audit chain head the report was read at (COUNT:HASH), or says there is none', () => {
    const head = `1234:${'ab'.repeat(32)}`;
    expect(doc.querySelector('footer.audit-head')?.textContent).toContain(`audit chain head ${head}`);
    const none = parse(renderReportHtml({ ...report, meta: { ...report.meta, audit_head: null } }));
    expect(none.querySelector('footer.audit-head')?.textContent).toContain('no audit chain head');
  });

  test('prints no methods paragraph for a key the report does not have', () => {
    const r = sampleReport();
    delete r.methods.km;
    const d = parse(renderReportHtml(r));
    expect(d.querySelectorAll('p.methods[data-methods="km"]').length).toBe(0);
    expect(d.querySelectorAll('p.methods[data-methods="funnel"]').length).toBe(1);
  });

  test('formats the fixture numbers as a journal would', () => {
    const text = doc.body.textContent ?? '';
    // Pain at baseline: mean 8.19 (SD 1.24), t-based CI 7.85 to 8.54; change at 30 min −3.33.
    expect(text).toContain('8.4 (7.9 to 8.9)');
    expect(text).toContain('7.8 to 8.5');
    expect(text).toContain('\u22123.9 to \u22122.8');
    expect(text).toContain('<0.001');
    expect(text).toContain('38/50 (76.0%)');
    // The Table 1 row of age, and missing values counted.
    expect(text).toContain('76.9 (7.8)');
    expect(text).toContain('Missing');
    // Adverse events: zero events show the exact upper limit; log-rank p with three decimals.
    expect(text).toContain('0/52 (0.0%)');
    expect(text).toContain('0.0 to 6.8†');
    expect(text).toContain('p = 0.669');
    expect(text).toMatch(/30 treated participants past week 16/);
    // OC at week 52 has no data: an em dash, not a zero or NaN.
    expect(text).not.toMatch(/NaN|undefined|null/);
  });

  test('shows each care-gap KPI cell on its band', () => {
    const red = doc.querySelectorAll('#care-gap td.band-red').length;
    const amber = doc.querySelectorAll('#care-gap td.band-amber').length;
    const green = doc.querySelectorAll('#care-gap td.band-green').length;
    const none = doc.querySelectorAll('#care-gap td.band-none').length;
    expect(red + amber + green + none).toBe(report.care_gap.kpis.length * (report.meta.sites.length + 1));
    expect(none).toBe(1);
  });

  test('is self-contained: no scripts, no links or references to other resources', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<link|<img|<iframe|@import|url\(/i);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(doc.querySelectorAll('svg[role="img"]').length).toBe(5);
  });

  test('escapes a hostile site name and id everywhere', () => {
    const hostile = '<script>alert(1)</script>';
    const r = JSON.parse(
      JSON.stringify(sampleReport()).replaceAll('"OC"', JSON.stringify(`OC${hostile}`)),
    ) as StudyReport;
    r.meta.sites[0]!.name = hostile;
    r.sites[0]!.name = hostile;
    const out = renderReportHtml(r);
    expect(out).not.toMatch(/<script/i);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const d = parse(out);
    expect(d.querySelectorAll('script').length).toBe(0);
    expect(d.querySelector('header')?.textContent).toContain(hostile);
  });

  test('the same report renders byte for byte the same', () => {
    expect(renderReportHtml(sampleReport())).toBe(html);
  });

  test('shows the new numbers: Satterthwaite df, ITT responders, AE rates, cumulative incidence, Turnbull, pain scale by site', () => {
    const text = doc.body.textContent ?? '';
    expect(text).toContain('140.5');
    expect(text).toContain('all expected (missing = non-responder)');
    expect(text).toContain('per 100 person-years');
    expect(text).toContain('Cumulative incidence of a first adverse event');
    expect(text).toMatch(/Turnbull\): median time to cessation \d+ days/);
    const table1 = doc.querySelector('#baseline')?.textContent ?? text;
    expect(table1).toContain('Pain scale');
    expect(table1).toContain('VAS');
  });

  test('a model that could not be fitted says why', () => {
    const r = sampleReport();
    r.outcomes.odi.lmm = { missing_reason: 'not fitted: 1 subject; at least two subjects are needed' };
    const text = parse(renderReportHtml(r)).body.textContent ?? '';
    expect(text).toContain('No linear mixed model for');
    expect(text).toContain('not fitted: 1 subject; at least two subjects are needed');
  });
});
