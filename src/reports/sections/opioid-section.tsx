// Section 5, opioid use: any opioid by visit with exact CIs and McNemar against baseline, MME/day
// among users, then the MME outcome tables (by visit, change from baseline, mixed model).

import type { StudyReport } from '../../analysis/study/types.js';
import { fmt, fmtCount, fmtInt, fmtMedianIqr, fmtP, fmtPropCi, MISSING } from '../format.js';
import { LmmTable } from './lmm-table.js';
import { ByVisitTable, ChangeTable } from './outcome-tables.js';
import { Caption, inVisitOrder, Methods, Num, Section, visitLabeller } from './parts.js';

function AnyOpioidTable(props: { report: StudyReport }) {
  const r = props.report;
  const label = visitLabeller(r.meta);
  return (
    <table>
      <Caption no="5.1">Any opioid use by visit, McNemar test against baseline, and dose among users</Caption>
      <thead>
        <tr class="group">
          <th class="blank" colspan={2} />
          <th colspan={2}>Any opioid</th>
          <th colspan={4}>McNemar vs baseline</th>
          <th class="blank" />
        </tr>
        <tr>
          <th>Visit</th>
          <th class="num">n</th>
          <th class="num">n/N (%)</th>
          <th class="ci">95% CI, %</th>
          <th class="num">Pairs</th>
          <th class="num">Stopped / started</th>
          <th class="num">χ²</th>
          <th class="num">p</th>
          <th class="num">MME/day, median [IQR]</th>
        </tr>
      </thead>
      <tbody>
        {inVisitOrder(r.opioids.by_visit, r.meta).map((v) => {
          const m = v.mcnemar;
          const isBase = m.n_pairs === 0 && m.statistic === null;
          return (
            <tr>
              <td>{label(v.visit)}</td>
              <Num>{fmtInt(v.n)}</Num>
              <Num>{fmtCount(v.any_opioid.x, v.any_opioid.n)}</Num>
              <Num>{fmtPropCi(v.any_opioid)}</Num>
              <Num>{isBase ? MISSING : fmtInt(m.n_pairs)}</Num>
              <Num>{isBase ? MISSING : `${fmtInt(m.b)} / ${fmtInt(m.c)}`}</Num>
              <Num>{fmt(m.statistic, 2)}</Num>
              <Num>{fmtP(m.p)}</Num>
              <Num>{fmtMedianIqr(v.mme_median, v.mme_q1, v.mme_q3, 1)}</Num>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Section 5: opioid use and dose. */
export function OpioidSection(props: { report: StudyReport }) {
  const r = props.report;
  const mme = r.outcomes.mme;
  const base = { outcome: mme, meta: r.meta, no: '5', digits: 1 };
  return (
    <Section id="opioids" no={5} title="Opioid use" major>
      <AnyOpioidTable report={r} />
      <p class="note">
        Stopped / started: participants on an opioid at baseline and not at the visit / not at baseline and on
        one at the visit (the discordant pairs). MME, morphine milligram equivalents per day (CDC factors).
      </p>
      <Methods methods={r.methods} topic="opioids" />
      <ByVisitTable {...base} sub="2" />
      <Methods methods={r.methods} topic="outcomes" />
      <ChangeTable {...base} sub="3" />
      <Methods methods={r.methods} topic="change" />
      <LmmTable lmm={mme.lmm} meta={r.meta} label="MME/day" no="5.4" digits={1} />
      {mme.lmm ? <Methods methods={r.methods} topic="lmm" /> : null}
    </Section>
  );
}
