// The tables of one patient-reported outcome (pain, ODI, MME): by visit, by site, change from
// baseline with paired tests, responders with exact CIs, and the linear mixed model.

import type { OutcomeReport, Proportion, ReportMeta } from '../../analysis/study/types.js';
import { fmt, fmtCi, fmtCount, fmtInt, fmtMedianIqr, fmtP, fmtPropCi, MISSING } from '../format.js';
import { Caption, inVisitOrder, Num, visitLabeller } from './parts.js';

export interface OutcomeTableProps {
  outcome: OutcomeReport;
  meta: ReportMeta;
  /** Table number prefix, e.g. "3" for Tables 3.1, 3.2 … */
  no: string;
  /** Decimals for means, SDs, CIs and changes. */
  digits: number;
}

/** "Pain, NRS 0–10" or "Pain (NRS 0–10), points": the label, then the unit after a comma. */
const named = (o: OutcomeReport) => (o.unit ? `${o.label}, ${o.unit}` : o.label);

/** n, missing, mean, SD, 95% CI, median [IQR] at each visit, all sites. */
export function ByVisitTable(props: OutcomeTableProps & { sub: string }) {
  const { outcome: o, digits: d } = props;
  const label = visitLabeller(props.meta);
  return (
    <table>
      <Caption no={`${props.no}.${props.sub}`}>{named(o)}: by visit, all sites</Caption>
      <thead>
        <tr>
          <th>Visit</th>
          <th class="num">n</th>
          <th class="num">Missing</th>
          <th class="num">Mean</th>
          <th class="num">SD</th>
          <th class="ci">95% CI</th>
          <th class="num">Median [IQR]</th>
        </tr>
      </thead>
      <tbody>
        {inVisitOrder(o.by_visit, props.meta).map((v) => (
          <tr>
            <td>{label(v.visit)}</td>
            <Num>{fmtInt(v.n)}</Num>
            <Num>{fmtInt(v.missing)}</Num>
            <Num>{fmt(v.mean, d)}</Num>
            <Num>{fmt(v.sd, d)}</Num>
            <Num>{fmtCi(v.ci_low, v.ci_high, d)}</Num>
            <Num>{fmtMedianIqr(v.median, v.q1, v.q3, d)}</Num>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Mean (95% CI) and n per site at each visit. */
export function BySiteTable(props: OutcomeTableProps & { sub: string }) {
  const { outcome: o, digits: d, meta } = props;
  const label = visitLabeller(meta);
  const sites = meta.sites.map((s) => ({
    id: s.id,
    rows: o.by_site.find((b) => b.site === s.id)?.by_visit ?? [],
  }));
  return (
    <table>
      <Caption no={`${props.no}.${props.sub}`}>{named(o)}: n and mean (95% CI) by site and visit</Caption>
      <thead>
        <tr class="group">
          <th class="blank" />
          {sites.map((s) => (
            <th colspan={2}>{s.id}</th>
          ))}
        </tr>
        <tr>
          <th>Visit</th>
          {sites.map(() => [<th class="num">n</th>, <th class="num">Mean (95% CI)</th>])}
        </tr>
      </thead>
      <tbody>
        {inVisitOrder(o.by_visit, meta).map((v) => (
          <tr>
            <td>{label(v.visit)}</td>
            {sites.map((s) => {
              const r = s.rows.find((x) => x.visit === v.visit);
              const ci = fmtCi(r?.ci_low, r?.ci_high, d);
              const cell = r?.mean == null ? MISSING : `${fmt(r.mean, d)} (${ci})`;
              return [<Num>{r ? fmtInt(r.n) : MISSING}</Num>, <Num>{cell}</Num>];
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Change from baseline with the paired t test and the Wilcoxon signed-rank test, raw and Holm-adjusted p. */
export function ChangeTable(props: OutcomeTableProps & { sub: string }) {
  const { outcome: o, digits: d } = props;
  const label = visitLabeller(props.meta);
  return (
    <table>
      <Caption no={`${props.no}.${props.sub}`}>
        Change from baseline in {named(o)}: participants seen at both visits
      </Caption>
      <thead>
        <tr class="group">
          <th class="blank" colspan={2} />
          <th colspan={5}>Paired t test</th>
          <th colspan={3}>Wilcoxon signed-rank</th>
        </tr>
        <tr>
          <th>Visit</th>
          <th class="num">Pairs</th>
          <th class="num">Mean change</th>
          <th class="ci">95% CI</th>
          <th class="num">t</th>
          <th class="num">p</th>
          <th class="num">p (Holm)</th>
          <th class="num">V</th>
          <th class="num">p</th>
          <th class="num">p (Holm)</th>
        </tr>
      </thead>
      <tbody>
        {inVisitOrder(o.change, props.meta).map((c) => (
          <tr>
            <td>{label(c.visit)}</td>
            <Num>{fmtInt(c.n_pairs)}</Num>
            <Num>{fmt(c.mean_change, d)}</Num>
            <Num>{fmtCi(c.ci_low, c.ci_high, d)}</Num>
            <Num>{fmt(c.t, 2)}</Num>
            <Num>{fmtP(c.p_t)}</Num>
            <Num>{fmtP(c.p_t_holm)}</Num>
            <Num>{c.wilcoxon_v === null ? MISSING : fmt(c.wilcoxon_v, 0)}</Num>
            <Num>{fmtP(c.p_wilcoxon)}</Num>
            <Num>{fmtP(c.p_wilcoxon_holm)}</Num>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const propCells = (p: Proportion) => [<Num>{fmtCount(p.x, p.n)}</Num>, <Num>{fmtPropCi(p)}</Num>];

/** Responders (improvement of at least the MCID, 30% and 50%) with exact 95% CIs, in percent. */
export function RespondersTable(props: OutcomeTableProps & { sub: string }) {
  const { outcome: o } = props;
  const label = visitLabeller(props.meta);
  const mcid = o.mcid !== null;
  return (
    <table>
      <Caption no={`${props.no}.${props.sub}`}>
        {o.label} responders: improvement from baseline{mcid ? ` of at least ${o.mcid} points (MCID),` : ''}{' '}
        of at least 30% and of at least 50%
      </Caption>
      <thead>
        <tr class="group">
          <th class="blank" />
          {mcid ? <th colspan={2}>≥ MCID</th> : null}
          <th colspan={2}>≥ 30% improvement</th>
          <th colspan={2}>≥ 50% improvement</th>
        </tr>
        <tr>
          <th>Visit</th>
          {(mcid ? [0, 1, 2] : [0, 1]).map(() => [
            <th class="num">n/N (%)</th>,
            <th class="ci">95% CI, %</th>,
          ])}
        </tr>
      </thead>
      <tbody>
        {inVisitOrder(o.change, props.meta).map((c) => [
          <tr>
            <td>{label(c.visit)}</td>
            {mcid ? propCells(c.responders_mcid) : null}
            {propCells(c.responders_30pct)}
            {propCells(c.responders_50pct)}
          </tr>,
          c.responders_30pct_itt ? (
            <tr class="sub">
              <td>all expected (missing = non-responder)</td>
              {mcid ? propCells(c.responders_mcid_itt) : null}
              {propCells(c.responders_30pct_itt)}
              {propCells(c.responders_50pct_itt)}
            </tr>
          ) : null,
        ])}
      </tbody>
    </table>
  );
}
