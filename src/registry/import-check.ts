// The checks of one batch of an import against what the registry holds, in this process: subject
// and site, forms and visits already recorded, date order, and the subjects' state after the batch.
import type { Answers } from '../instruments/index.js';
import type { Protocol } from '../protocol/index.js';
import { subjectInstrument } from '../protocol/index.js';
import { type DatedForm, dateOrderIssues, visitDateIssues } from './date-rules.js';
import { dated, type Form, type SubjectGroup } from './import-form.js';
import { type Problems, reportIssues } from './import-problems.js';
import { type SubjectState, secondEnds, subjectStateAfter } from './subject-state.js';

export interface PendingSubject extends SubjectGroup {
  creatingLine: number | null;
}

/** What the registry holds for a batch's subjects (read under lock). */
export interface Stored {
  subjects: Map<string, { site_id: string; state: SubjectState; version: number }>;
  forms: Map<string, { form: DatedForm; draft: boolean }[]>;
  /** Visits already recorded, keyed `study id NUL visit`, with their dates (null: missed). */
  visits: Map<string, string | null>;
}

export interface NewSubject {
  studyId: string;
  site: string;
  seq: number;
  state: SubjectState;
}

export interface AuditLine {
  studyId: string;
  site: string;
  existing: boolean;
  responses: number;
  status: string | null;
}

/** What a checked batch writes. */
export interface CheckedBatch {
  subjects: NewSubject[];
  updates: { studyId: string; state: SubjectState; version: number }[];
  responses: { subject: PendingSubject; form: Form }[];
  visits: { subject: PendingSubject; form: Form }[];
  audit: AuditLine[];
}

/** The answers of a stored form, as the driver returns jsonb (parsed, or text). */
export function storedAnswers(answers: unknown): Answers {
  return (typeof answers === 'string' ? JSON.parse(answers) : answers) as Answers;
}

/**
 * Checks a batch against the stored subjects, forms and visits; reports each problem by line.
 * Returns what to write (nothing is to be written once any problem is known).
 */
export function checkBatch(
  protocol: Protocol,
  today: string,
  batch: readonly PendingSubject[],
  stored: Stored,
  problems: Problems,
): CheckedBatch {
  const out: CheckedBatch = { subjects: [], updates: [], responses: [], visits: [], audit: [] };
  for (const s of batch) {
    const inDb = stored.subjects.get(s.studyId);
    if (inDb && inDb.site_id !== s.site) {
      problems.add(s.firstLine, 'site', `${s.studyId} is registered at site ${inDb.site_id}, not ${s.site}`);
      continue;
    }
    if (inDb && s.creatingLine !== null) {
      problems.add(s.creatingLine, 'study_id', `${s.studyId} is already enrolled`);
    }
    if (!inDb && s.creatingLine === null) {
      const { visit, def } = subjectInstrument(protocol);
      problems.add(
        s.firstLine,
        'study_id',
        `${s.studyId} is not in the registry and the file has no ${def.id} form for it at ${visit}`,
      );
      continue;
    }
    const db = stored.forms.get(s.studyId) ?? [];
    if (db.length > 0) {
      for (const f of s.forms) {
        if (
          db.some(
            ({ form: d }) => d.visit === f.visit && d.instrument === f.def.id && d.instance === f.instance,
          )
        ) {
          problems.add(
            f.firstLine,
            'instrument',
            `${f.def.id} at ${f.visit} is already recorded for ${s.studyId}`,
          );
        }
      }
    }
    // A subject leaves the study once, whichever visits its end-of-study forms are at.
    const ends = secondEnds(
      s.studyId,
      db.map((d) => d.form),
      s.forms.map((f) => ({ instrument: f.def.id, visit: f.visit })),
    );
    s.forms.forEach((f, i) => {
      const why = ends[i];
      if (why) problems.add(f.firstLine, 'instrument', why);
    });
    // Dates in an impossible order beside the subject's other complete forms, in the file or stored.
    const complete: DatedForm[] = [];
    for (const d of db) if (!d.draft) complete.push(d.form);
    const own: (DatedForm | null)[] = s.forms.map((f) => (f.answers ? dated(f) : null));
    for (const d of own) if (d) complete.push(d);
    // A visit's date, from the file or stored, bounds the dates its forms may give (stop dates).
    const visitDate = (visit: string) =>
      s.visits?.find((v) => v.visit === visit)?.visitRecord?.date ??
      stored.visits.get(`${s.studyId}\u0000${visit}`);
    s.forms.forEach((f, i) => {
      const d = own[i];
      if (!d) return;
      reportIssues(problems, f, dateOrderIssues(d, complete));
      reportIssues(problems, f, visitDateIssues(d, visitDate(f.visit)));
    });
    if (problems.count > 0) continue;
    // The subject as if its forms were entered one by one, in study order.
    let state: SubjectState | null = inDb ? inDb.state : null;
    for (const f of s.forms) state = subjectStateAfter(state, f.def, f.answers!, today);
    if (!inDb) {
      out.subjects.push({
        studyId: s.studyId,
        site: s.site,
        seq: Number(s.studyId.slice(s.site.length + 1)),
        state: state!,
      });
    } else if (
      state!.status !== inDb.state.status ||
      state!.index_date !== inDb.state.index_date ||
      state!.enrolled_on !== inDb.state.enrolled_on
    ) {
      out.updates.push({ studyId: s.studyId, state: state!, version: inDb.version });
    }
    for (const form of s.forms) out.responses.push({ subject: s, form });
    for (const form of s.visits ?? []) {
      if (stored.visits.has(`${s.studyId}\u0000${form.visit}`)) {
        problems.add(
          form.firstLine,
          'instrument',
          `the ${form.visit} visit of ${s.studyId} is already recorded`,
        );
      } else {
        out.visits.push({ subject: s, form });
      }
    }
    out.audit.push({
      studyId: s.studyId,
      site: s.site,
      existing: Boolean(inDb),
      responses: s.forms.length,
      status: state!.status,
    });
  }
  return out;
}
