// Section 7, adverse events: incidence (participants with at least one event) with exact 95% CIs,
// the one-sided upper bound when there were none, and events by CTCAE-style severity grade.

import type { Num as N, StudyReport } from '../../analysis/study/types.js';
import { fmt, fmtCi, fmtCount, fmtPct, fmtPropCi } from '../format.js';
import { Caption, Methods, Num, Section } from './parts.js';

const GRADES: Record<number, string> = {
  1: 'Mild',
  2: 'Moderate',
  3: 'Severe',
  4: 'Life-threatening',
  5: 'Death',
};

/** The exact CI cell: "a to b"; with zero events, "≤ b" (the upper limit, about 3/N) marked with a dagger. */
function ciCell(count: number, ci: { ci_low: N; ci_high: N }): string {
  if (count === 0) return ci.ci_high === null ? '—' : `0.0 to ${fmtPct(ci.ci_high)}†`;
  return fmtPropCi(ci);
}

/** Section 7: adverse events. */
export function SafetySection(props: { report: StudyReport }) {
  const r = props.report;
  const denom = (n: number | undefined) => n ?? r.flow.treated;
  return (
    <Section id="adverse-events" no={7} title="Adverse events" major>
      <table class="narrow">
        <Caption no="7.1">
          Participants with at least one adverse event, by event (N = treated participants)
        </Caption>
        <thead>
          <tr>
            <th>Event</th>
            <th class="num">n/N (%)</th>
            <th class="ci">95% CI, %</th>
          </tr>
        </thead>
        <tbody>
          {r.adverse_events.map((e, i) => (
            <tr class={i > 0 && r.adverse_events[i - 1]?.event === 'major' ? 'sep' : ''}>
              <td>{e.label}</td>
              <Num>{fmtCount(e.count, denom(e.n))}</Num>
              <Num>{ciCell(e.count, e)}</Num>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="narrow">
        <Caption no="7.2">
          Participants with at least one adverse event of each severity grade (CTCAE style; a participant may
          count under more than one grade)
        </Caption>
        <thead>
          <tr>
            <th>Grade</th>
            <th class="num">n/N (%)</th>
            <th class="ci">95% CI, %</th>
          </tr>
        </thead>
        <tbody>
          {r.adverse_events_by_severity.map((g) => (
            <tr>
              <td>
                {g.grade} — {GRADES[g.grade] ?? 'other'}
              </td>
              <Num>{fmtCount(g.count, r.flow.treated)}</Num>
              <Num>{ciCell(g.count, g)}</Num>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="narrow">
        <Caption no="7.3">
          Adverse events per 100 person-years of follow-up (every event, recurrent ones included), exact
          Poisson 95% CI
        </Caption>
        <thead>
          <tr>
            <th>Event</th>
            <th class="num">Events</th>
            <th class="num">Person-years</th>
            <th class="num">Rate</th>
            <th class="ci">95% CI</th>
          </tr>
        </thead>
        <tbody>
          {r.adverse_events.map((e) => (
            <tr>
              <td>{e.label}</td>
              <Num>{e.events === undefined ? '—' : String(e.events)}</Num>
              <Num>{fmt(e.person_years, 1)}</Num>
              <Num>{fmt(e.rate_per_100py, 1)}</Num>
              <Num>{fmtCi(e.rate_ci_low, e.rate_ci_high, 1)}</Num>
            </tr>
          ))}
        </tbody>
      </table>
      {r.adverse_events_cumulative?.length ? (
        <table class="narrow">
          <Caption no="7.4">
            Cumulative incidence of a first adverse event (1 − Kaplan–Meier), %, with 95% CI
          </Caption>
          <thead>
            <tr>
              <th>Event</th>
              <th class="num">Day</th>
              <th class="num">%</th>
              <th class="ci">95% CI, %</th>
            </tr>
          </thead>
          <tbody>
            {r.adverse_events_cumulative.map((c) => (
              <tr>
                <td>{c.event === 'any' ? 'Any adverse event' : 'Serious adverse event'}</td>
                <Num>{String(c.day)}</Num>
                <Num>{c.incidence === null ? '—' : fmtPct(c.incidence)}</Num>
                <Num>{c.incidence === null ? '—' : fmtPropCi(c)}</Num>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p class="note">
        † No events: the interval runs from 0 to the exact upper limit (the “rule of three”, about 3/N), the
        most that the data rule out.
      </p>
      <Methods methods={r.methods} topic="adverse_events" />
    </Section>
  );
}
