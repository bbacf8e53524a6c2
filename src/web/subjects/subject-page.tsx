// The subject page (issue 8 §3.4): visit timeline, pain and ODI trajectories with the MCID line, every
// form with its state, adverse events and medications, and identifiers for the subject's own site.
import { raw } from 'hono/html';
import type { AnswerValue, ItemDef } from '../../instruments/index.js';
import { formatAnswer, getInstrument, INSTRUMENTS } from '../../instruments/index.js';
import { type Protocol, SACROPLASTY_STUDY } from '../../protocol/index.js';
import type { SubjectView } from '../../registry/views/index.js';
import { counted } from '../plural.js';
import { day, formHref, StateBadge } from '../views/view-parts.js';
import { type TrajectoryPoint, trajectorySvg } from './trajectory-chart.js';
import { WithdrawForm, type WithdrawState } from './withdraw-form.js';

export type { WithdrawState } from './withdraw-form.js';

/** What the page charts for each outcome: its title, axis and the scale's full range (as the report). */
const CHART_SCALES: Readonly<Record<string, { title: string; yLabel: string; yDomain: [number, number] }>> = {
  pain: { title: 'Pain by visit', yLabel: 'Pain, NRS 0–10', yDomain: [0, 10] },
  odi: { title: 'Disability (ODI) by visit', yLabel: 'ODI, %', yDomain: [0, 100] },
};

type TimelineVisit = SubjectView['timeline'][number];
type SubjectForm = SubjectView['forms'][number];
type RepeatingRecord = SubjectView['adverseEvents'][number];
type Identifiers = NonNullable<SubjectView['identifiers']>;

export interface SubjectPageProps {
  view: SubjectView;
  protocol: Protocol;
  /** The viewer may withdraw the subject (site staff). */
  canWithdraw: boolean;
  notice: 'enrolled' | null;
  withdraw: WithdrawState | null;
  /** Today (YYYY-MM-DD) for the withdrawal date's default. */
  today: string;
}

const STATUS_TEXT: Record<string, string> = {
  draft: 'Draft',
  complete: 'Complete',
  signed: 'Signed',
  locked: 'Locked',
};

/**
 * The chart points of one outcome: every protocol visit that collects its instrument, in protocol
 * order, with the subject's value there or null (the view gives the recorded ones).
 */
export function chartPoints(protocol: Protocol, t: SubjectView['trajectories'][number]): TrajectoryPoint[] {
  const instrument = SACROPLASTY_STUDY.outcomes.find((o) => o.key === t.outcome)?.instrument;
  const values = new Map(t.points.map((p) => [p.visit, p.value]));
  return protocol.visits
    .filter(
      (v) => (instrument ? v.instruments.includes(instrument) : values.has(v.code)) || values.has(v.code),
    )
    .map((v) => ({ label: v.label, value: values.get(v.code) ?? null }));
}

/** An answer in words: a choice by its label, a boolean as yes/no, else its canonical text. */
export function answerText(item: ItemDef, value: AnswerValue): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  const label = (code: string) => item.choices?.find((c) => c.code === code)?.label ?? code;
  if (Array.isArray(value)) return value.map(label).join(', ');
  if (item.type === 'choice' && typeof value === 'string') return label(value);
  return formatAnswer(item, value);
}

function Timeline(props: { studyId: string; visits: readonly TimelineVisit[] }) {
  return (
    <section class="panel" aria-labelledby="timeline">
      <h2 id="timeline">Visits</h2>
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">
            Each protocol visit: target date, window, state and visit date
          </caption>
          <thead>
            <tr>
              <th scope="col">Visit</th>
              <th scope="col">Target</th>
              <th scope="col">Window</th>
              <th scope="col">State</th>
              <th scope="col">Visit date</th>
            </tr>
          </thead>
          <tbody>
            {props.visits.map((v) => (
              <tr>
                <th scope="row">
                  <a
                    href={`/subjects/${encodeURIComponent(props.studyId)}/visits/${encodeURIComponent(v.visit)}`}
                  >
                    {v.label}
                  </a>
                </th>
                <td>{day(v.target)}</td>
                <td>
                  {v.windowStart === null && v.windowEnd === null
                    ? 'no window'
                    : `${day(v.windowStart)} to ${day(v.windowEnd)}`}
                </td>
                <td>
                  <StateBadge state={v.state} />
                </td>
                <td>{day(v.visitDate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Charts(props: { protocol: Protocol; trajectories: SubjectView['trajectories'] }) {
  return (
    <section class="panel" aria-labelledby="trajectories">
      <h2 id="trajectories">Pain and disability</h2>
      <div class="charts">
        {props.trajectories.map((t) => {
          const scale = CHART_SCALES[t.outcome] ?? {
            title: `${t.label} by visit`,
            yLabel: `${t.label}, ${t.unit}`,
            yDomain: [0, Math.max(1, ...t.points.map((p) => p.value))] as [number, number],
          };
          const svg = trajectorySvg(chartPoints(props.protocol, t), { ...scale, mcid: t.mcid });
          return (
            <figure class="chart">
              <figcaption>{scale.title}</figcaption>
              {/* The chart's text is escaped by the DOM that built it (svg-kit.ts). */}
              {svg === null ? <p class="muted">No {t.label} recorded yet.</p> : raw(svg)}
            </figure>
          );
        })}
      </div>
    </section>
  );
}

function FormsTable(props: {
  studyId: string;
  forms: readonly SubjectForm[];
  labels: ReadonlyMap<string, string>;
}) {
  return (
    <section class="panel" aria-labelledby="forms">
      <h2 id="forms">Forms</h2>
      {props.forms.length === 0 ? (
        <p class="muted">No forms recorded yet.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Visit</th>
                <th scope="col">Form</th>
                <th scope="col">State</th>
                <th scope="col">Last saved (UTC)</th>
              </tr>
            </thead>
            <tbody>
              {props.forms.map((f) => (
                <tr>
                  <td>{props.labels.get(f.visit) ?? f.visit}</td>
                  <td>
                    <a href={formHref(props.studyId, f.visit, f.instrument, f.instance)}>
                      {f.title}
                      {INSTRUMENTS.get(f.instrument)?.repeating ? ` #${f.instance}` : ''}
                    </a>
                  </td>
                  <td>
                    {STATUS_TEXT[f.status] ?? f.status}
                    {f.signedAt && f.status !== 'signed' ? ', signed' : ''}
                    {f.lockedAt && f.status !== 'locked' ? ', locked' : ''}
                    {f.openQueries > 0 ? `, ${counted(f.openQueries, 'open query', 'open queries')}` : ''}
                    {f.enteredByKind === 'patient' ? ', entered by the patient (ePRO)' : ''}
                  </td>
                  <td>{f.updatedAt.slice(0, 16).replace('T', ' ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Repeating forms (adverse events, medications) listed with their answered items. */
function RepeatingList(props: {
  id: string;
  title: string;
  empty: string;
  studyId: string;
  instrument: string;
  records: readonly RepeatingRecord[];
  labels: ReadonlyMap<string, string>;
}) {
  const def = getInstrument(props.instrument);
  return (
    <section class="panel" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.records.length === 0 ? (
        <p class="muted">{props.empty}</p>
      ) : (
        <ul class="records">
          {props.records.map((f) => (
            <li>
              <a href={formHref(props.studyId, f.visit, props.instrument, f.instance)}>
                {def.title} #{f.instance}, {props.labels.get(f.visit) ?? f.visit}
              </a>
              {f.status === 'draft' ? <span class="muted"> (draft)</span> : null}
              <dl class="answers">
                {def.items
                  .filter((item) => f.answers[item.id] !== undefined && f.answers[item.id] !== null)
                  .map((item) => (
                    <>
                      <dt>{item.label}</dt>
                      <dd>{answerText(item, f.answers[item.id] as AnswerValue)}</dd>
                    </>
                  ))}
              </dl>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const IDENTITY_LABELS: readonly [keyof Identifiers, string][] = [
  ['givenName', 'Given name'],
  ['familyName', 'Family name'],
  ['mrn', 'MRN'],
  ['birthDate', 'Date of birth'],
  ['phone', 'Phone'],
  ['email', 'E-mail'],
];

function Identity(props: { identity: Identifiers }) {
  return (
    <section class="panel" aria-labelledby="identifiers">
      <h2 id="identifiers">Identifiers</h2>
      <p class="hint">Shown to staff of this site only; this view is recorded in the audit trail.</p>
      <dl class="facts">
        {IDENTITY_LABELS.map(([k, label]) => (
          <>
            <dt>{label}</dt>
            <dd>{props.identity[k] ?? '—'}</dd>
          </>
        ))}
      </dl>
    </section>
  );
}

/** The whole subject page. */
export function SubjectPage(props: SubjectPageProps) {
  const d = props.view;
  const labels = new Map(props.protocol.visits.map((v) => [v.code, v.label]));
  const ae = SACROPLASTY_STUDY.adverseEvents.instrument;
  const meds = SACROPLASTY_STUDY.outcomes.find((o) => o.key === 'mme')?.instrument ?? 'analgesic';
  const ended = ['withdrawn', 'lost_to_follow_up', 'died', 'completed'].includes(d.status);
  return (
    <>
      {props.notice === 'enrolled' ? (
        <p class="notice" role="status">
          {d.studyId} is enrolled.
        </p>
      ) : null}
      <h1>Participant {d.studyId}</h1>
      <dl class="facts summary">
        <dt>Site</dt>
        <dd>{d.siteId}</dd>
        <dt>Status</dt>
        <dd>{d.status.replaceAll('_', ' ')}</dd>
        <dt>Enrolled</dt>
        <dd>{day(d.enrolledOn)}</dd>
        <dt>Index date</dt>
        <dd>{day(d.indexDate)}</dd>
      </dl>
      {props.canWithdraw ? (
        <p>
          <a href={`/subjects/${encodeURIComponent(d.studyId)}/epro`}>ePRO</a>: patient links, in-clinic
          questionnaires and what the patient entered
          {d.pendingProblems > 0 ? (
            <strong data-pending-problems={d.pendingProblems}>
              {' '}
              · {counted(d.pendingProblems, 'new problem')} reported by the patient to confirm or reject
            </strong>
          ) : null}
        </p>
      ) : null}
      {d.identifiers ? <Identity identity={d.identifiers} /> : null}
      <Timeline studyId={d.studyId} visits={d.timeline} />
      <Charts protocol={props.protocol} trajectories={d.trajectories} />
      <FormsTable studyId={d.studyId} forms={d.forms} labels={labels} />
      <RepeatingList
        id="adverse-events"
        title="Adverse events"
        empty="No adverse events recorded."
        studyId={d.studyId}
        instrument={ae}
        records={d.adverseEvents}
        labels={labels}
      />
      <RepeatingList
        id="medications"
        title="Medications"
        empty="No medications recorded."
        studyId={d.studyId}
        instrument={meds}
        records={d.medications}
        labels={labels}
      />
      {d.mmeByVisit.length > 0 ? (
        <section class="panel" aria-labelledby="mme-by-visit">
          <h2 id="mme-by-visit">Opioid dose by visit (MME/day)</h2>
          <dl class="facts">
            {d.mmeByVisit.map((v) => (
              <>
                <dt>{labels.get(v.visit) ?? v.visit}</dt>
                <dd data-mme-visit={v.visit}>
                  {v.mmeDay === null ? 'not computed (dose or factor missing)' : v.mmeDay}
                </dd>
              </>
            ))}
          </dl>
        </section>
      ) : null}
      {props.canWithdraw && !ended ? (
        <WithdrawForm studyId={d.studyId} state={props.withdraw} today={props.today} />
      ) : null}
    </>
  );
}
