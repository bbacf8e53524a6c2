// Section 1, participant flow (STROBE): the diagram, status counts with reasons for leaving, and
// who was seen at each visit.

import type { StudyReport } from '../../analysis/study/types.js';
import { flowDiagramSvg, STATUS_LABELS } from '../charts/flow-diagram.js';
import { fmtInt, fmtPct, MISSING } from '../format.js';
import { Caption, Figure, inVisitOrder, Methods, Num, Section, visitLabeller } from './parts.js';

function StatusTable(props: { report: StudyReport }) {
  const f = props.report.flow;
  const rows: [string, number, boolean][] = [
    ['Screened', f.screened, false],
    ['Eligible', f.eligible, false],
    ['Enrolled', f.enrolled, false],
    ['Treated with sacroplasty', f.treated, false],
    ['Completed follow-up', f.completed, true],
    ['Ongoing', f.ongoing, false],
  ];
  const left: [string, number][] = [
    ['withdrawn', f.withdrawn],
    ['lost_to_follow_up', f.lost_to_follow_up],
    ['died', f.died],
  ];
  const pct = (n: number) => (f.enrolled > 0 ? fmtPct(n / f.enrolled) : MISSING);
  return (
    <table class="narrow">
      <Caption no="1.1">Participant status (percentages of enrolled participants)</Caption>
      <thead>
        <tr>
          <th>Status</th>
          <th class="num">n</th>
          <th class="num">%</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(([label, n, sep]) => (
          <tr class={sep ? 'sep' : ''}>
            <td>{label}</td>
            <Num>{fmtInt(n)}</Num>
            <Num>{label === 'Screened' || label === 'Eligible' ? '' : pct(n)}</Num>
          </tr>
        ))}
        {left.map(([status, n]) => [
          <tr class="var">
            <td>{STATUS_LABELS[status] ?? status}</td>
            <Num>{fmtInt(n)}</Num>
            <Num>{pct(n)}</Num>
          </tr>,
          ...f.reasons
            .filter((r) => r.status === status)
            .map((r) => (
              <tr class="sub">
                <td>{r.reason}</td>
                <Num>{fmtInt(r.n)}</Num>
                <Num />
              </tr>
            )),
        ])}
      </tbody>
    </table>
  );
}

function VisitTable(props: { report: StudyReport }) {
  const label = visitLabeller(props.report.meta);
  return (
    <table class="narrow">
      <Caption no="1.2">
        Treated participants at each visit: due (still in the study, window closed), seen (and of those, seen
        on a recorded date outside the visit window), missed, left the study before the visit, and not yet due
      </Caption>
      <thead>
        <tr>
          <th>Visit</th>
          <th class="num">Due</th>
          <th class="num">Seen</th>
          <th class="num">Out of window</th>
          <th class="num">Missed</th>
          <th class="num">Left the study</th>
          <th class="num">Not yet due</th>
          <th class="num">Seen of due, %</th>
        </tr>
      </thead>
      <tbody>
        {inVisitOrder(props.report.flow.by_visit, props.report.meta).map((v) => (
          <tr>
            <td>{label(v.visit)}</td>
            <Num>{fmtInt(v.expected)}</Num>
            <Num>{fmtInt(v.seen)}</Num>
            <Num>{fmtInt(v.out_of_window ?? 0)}</Num>
            <Num>{fmtInt(v.missed)}</Num>
            <Num>{fmtInt(v.left_study)}</Num>
            <Num>{fmtInt(v.not_yet_due)}</Num>
            <Num>{v.expected > 0 ? fmtPct(v.seen / v.expected) : MISSING}</Num>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Section 1: participant flow. */
export function FlowSection(props: { report: StudyReport }) {
  const r = props.report;
  return (
    <Section id="flow" no={1} title="Participant flow">
      <Figure no="1" svg={flowDiagramSvg(r.flow, r.meta)}>
        Participant flow from screening to the last scheduled visit. Boxes in the main column give the
        participants seen at each visit of those due by the report date; the side boxes give those who did not
        continue, with reasons.
      </Figure>
      <StatusTable report={r} />
      <VisitTable report={r} />
      <Methods methods={r.methods} topic="flow" />
    </Section>
  );
}
