// The linear mixed model of one outcome: fixed effects with SE, t and p, then the variance
// components and fit statistics, as lme4's summary prints them.

import type { LmmMissing, LmmReport, ReportMeta } from '../../analysis/study/types.js';
import { fmt, fmtInt, fmtP } from '../format.js';
import { Caption, Num, visitLabeller } from './parts.js';

/** Readable names for model terms: "visitweek12" → "Week 12 vs baseline", "siteOC" → "Site OC". */
export function termLabel(term: string, meta: Pick<ReportMeta, 'visits' | 'sites'>): string {
  if (term === '(Intercept)') return 'Intercept (baseline, reference site)';
  const label = visitLabeller(meta);
  const visit = meta.visits.find((v) => term === `visit${v.code}`);
  if (visit) return `${label(visit.code)} vs baseline`;
  const site = meta.sites.find((s) => term === `site${s.id}`);
  if (site) return `Site ${site.id} vs reference`;
  return term;
}

/** Fixed effects and variance components; a plain note when the model was not fitted. */
export function LmmTable(props: {
  lmm: LmmReport | LmmMissing | null;
  meta: ReportMeta;
  label: string;
  no: string;
  digits: number;
}) {
  const { lmm: m, digits: d } = props;
  if (!m || 'missing_reason' in m) {
    return (
      <p class="empty" data-table={props.no}>
        Table {props.no}. No linear mixed model for {props.label}: {m ? m.missing_reason : 'not requested'}.
      </p>
    );
  }
  return (
    <table>
      <Caption no={props.no}>
        Linear mixed model for {props.label}: <code>{m.formula}</code>
        {m.converged ? '' : ' — did not converge; estimates are unreliable'}
      </Caption>
      <thead>
        <tr>
          <th>Term</th>
          <th class="num">Estimate</th>
          <th class="num">SE</th>
          <th class="num">df</th>
          <th class="num">t</th>
          <th class="num">p</th>
        </tr>
      </thead>
      <tbody>
        {m.fixed.map((f) => (
          <tr>
            <td>{termLabel(f.term, props.meta)}</td>
            <Num>{fmt(f.estimate, d + 1)}</Num>
            <Num>{fmt(f.se, d + 1)}</Num>
            <Num>{fmt(f.df ?? null, 1)}</Num>
            <Num>{fmt(f.t, 2)}</Num>
            <Num>{fmtP(f.p)}</Num>
          </tr>
        ))}
        <tr class="var sep">
          <td colspan={6}>Variance components and fit</td>
        </tr>
        <tr class="sub">
          <td>SD of participant intercepts</td>
          <Num>{fmt(m.sd_subject, d + 1)}</Num>
          <td colspan={4} />
        </tr>
        <tr class="sub">
          <td>Residual SD</td>
          <Num>{fmt(m.sd_residual, d + 1)}</Num>
          <td colspan={4} />
        </tr>
        <tr class="sub">
          <td>REML criterion at convergence</td>
          <Num>{fmt(m.reml_criterion, 1)}</Num>
          <td colspan={4} />
        </tr>
        <tr class="sub">
          <td>Observations / participants</td>
          <Num>
            {fmtInt(m.n_obs)} / {fmtInt(m.n_groups)}
          </Num>
          <td colspan={4} />
        </tr>
      </tbody>
    </table>
  );
}
