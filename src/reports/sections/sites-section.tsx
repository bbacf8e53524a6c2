// Sections 9 and 10: follow-up completeness per site and visit as a heat-style table, and each
// site against the pool (funnel plot and its table).

import type { StudyReport } from '../../analysis/study/types.js';
import { funnelChartSvg } from '../charts/funnel-chart.js';
import { fmt, fmtCi, fmtInt, fmtPct, MISSING } from '../format.js';
import { Caption, Figure, Methods, Num, Section, visitLabeller } from './parts.js';

/** Heat level of a completeness proportion: 0 (≥ 95%) … 4 (< 60%); none when nothing was due. */
export function heatLevel(pct: number | null): string {
  if (pct === null) return 'heat-0';
  if (pct >= 0.95) return 'heat-0';
  if (pct >= 0.85) return 'heat-1';
  if (pct >= 0.75) return 'heat-2';
  if (pct >= 0.6) return 'heat-3';
  return 'heat-4';
}

/** Section 9: follow-up completeness. */
export function CompletenessSection(props: { report: StudyReport }) {
  const r = props.report;
  const label = visitLabeller(r.meta);
  const visits = r.meta.visits
    .filter((v) => r.completeness.some((c) => c.visit === v.code))
    .map((v) => v.code);
  const rows = [...r.meta.sites.map((s) => s.id), ''];
  const cell = (site: string, visit: string | null) => {
    const hits = r.completeness.filter(
      (c) => (site === '' || c.site === site) && (visit === null || c.visit === visit),
    );
    const expected = hits.reduce((a, c) => a + c.expected, 0);
    const seen = hits.reduce((a, c) => a + c.seen, 0);
    const pct = expected > 0 ? seen / expected : null;
    return (
      <td class={`heat ${heatLevel(pct)}`}>
        {expected > 0 ? `${fmtInt(seen)}/${fmtInt(expected)} (${fmtPct(pct, 0)})` : MISSING}
      </td>
    );
  };
  return (
    <Section id="completeness" no={9} title="Follow-up completeness">
      <table>
        <Caption no="9.1">Follow-up completeness: seen / due (%) by site and visit</Caption>
        <thead>
          <tr>
            <th>Site</th>
            {visits.map((v) => (
              <th class="num">{label(v)}</th>
            ))}
            <th class="num">All visits</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((site) => (
            <tr class={site === '' ? 'total' : ''}>
              <td>{site === '' ? 'All sites' : site}</td>
              {visits.map((v) => cell(site, v))}
              {cell(site, null)}
            </tr>
          ))}
        </tbody>
      </table>
      <p class="note">
        Shading: none at 95% or more, blue 75–94%, amber 60–74%, red below 60%. — no participant due yet at
        that visit.
      </p>
      <Methods methods={r.methods} topic="completeness" />
    </Section>
  );
}

/** Section 10: sites against the pool. */
export function FunnelSection(props: { report: StudyReport }) {
  const r = props.report;
  const outcome = r.sites[0]?.funnel.outcome ?? 'outcome';
  const yLabel = outcome.replace(/week(\d+)/, 'week $1');
  return (
    <Section id="sites" no={10} title="Sites against the pool" major>
      <Figure no="10" svg={funnelChartSvg(r.sites, r.meta, `Mean ${yLabel}`)}>
        Funnel plot: each site’s mean {yLabel} against the number of participants it rests on. The horizontal
        line is the pooled mean; the curves are its 95% (dashed) and 99.8% (dotted) control limits. A site
        outside the curves differs from the pool by more than chance would usually allow.
      </Figure>
      <table>
        <Caption no="10.1">Sites: participants, completeness, and {yLabel} against the pool</Caption>
        <thead>
          <tr>
            <th>Site</th>
            <th>Name</th>
            <th class="num">Treated</th>
            <th class="num">Completeness, %</th>
            <th class="num">n</th>
            <th class="num">Mean</th>
            <th class="ci">95% limits</th>
            <th class="ci">99.8% limits</th>
            <th>Outside limits</th>
          </tr>
        </thead>
        <tbody>
          {r.sites.map((s) => (
            <tr>
              <td>{s.site}</td>
              <td>{s.name}</td>
              <Num>{fmtInt(s.n)}</Num>
              <Num>{fmtPct(s.completeness)}</Num>
              <Num>{fmtInt(s.funnel.n)}</Num>
              <Num>{fmt(s.funnel.value, 2)}</Num>
              <Num>{fmtCi(s.funnel.lower95, s.funnel.upper95, 2)}</Num>
              <Num>{fmtCi(s.funnel.lower998, s.funnel.upper998, 2)}</Num>
              <td>{s.funnel.outside === null ? 'no' : `${s.funnel.outside}%`}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colspan={9}>
              Pooled mean: {fmt(r.sites.find((s) => s.funnel.pool !== null)?.funnel.pool ?? null, 2)}.
            </td>
          </tr>
        </tfoot>
      </table>
      <Methods methods={r.methods} topic="funnel" />
    </Section>
  );
}
