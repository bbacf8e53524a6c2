import { type Kysely, sql, type Transaction } from 'kysely';
import { type Issue, RegistryError } from '../errors.js';
import { type Answers, getInstrument } from '../instruments/index.js';
import {
  DOSES_PER_DAY,
  doseForm,
  doseWords,
  PATIENT_STRENGTHS,
  patientDrug,
  patientDrugName,
  strengthsOf,
} from '../instruments/patient-drugs.js';
import type { Database } from '../store/index.js';
import type { RegistryDeps } from './context.js';
import { checkDateOrder, visitDateIssues } from './date-rules.js';
import { checkAnswers } from './protocol-rules.js';
import { visitDateOrToday } from './visits.js';

/*
 * The patient's analgesics page as data (issue 9 §2): the medicines recorded at the subject's latest
 * earlier visit carried forward, each "still taken", "stopped on <date>" or "taken differently" (a
 * strength from the common list and how many a day), new medicines picked from common names and
 * strengths, "None", and free text. At submit each placed medicine becomes an analgesic form that
 * the instrument scores (MME/day); what cannot be placed (a strength "not sure", free text) goes to
 * the site as text. Nothing is guessed.
 */

/** A medicine recorded at the latest earlier visit that was still taken then (no stop date). */
export interface CarriedMedicine {
  /** Its instance at that visit: the key of the patient's answer. */
  instance: number;
  visit: string;
  drug: string;
  strength: number | null;
  unit: string | null;
  route: string | null;
  dosesPerDay: number | null;
  startDate: string | null;
  /** In the patient's words: "Oxycodone 10 mg tablet, 3 a day". */
  words: string;
  /** The strengths the patient picks from when taking it differently. */
  strengths: number[];
  /** A patch: no "how many a day". */
  patch: boolean;
}

/** A strength from the list, or "I'm not sure" (then the site places it). */
export type StrengthAnswer = number | 'unsure';

export type CarriedAnswer =
  | { answer: 'same' }
  | { answer: 'stopped'; stopDate: string }
  | { answer: 'changed'; strength: StrengthAnswer; perDay: number | null };

export interface AddedMedicine {
  /** The patient drug key (instruments/patient-drugs.ts). */
  key: string;
  strength: StrengthAnswer;
  perDay: number | null;
}

/** The analgesics page's draft (epro_draft.answers). */
export interface AnalgesicAnswers {
  /** Carried medicine instance → answer. */
  carried: Record<string, CarriedAnswer>;
  added: AddedMedicine[];
  none: boolean;
  other: string;
  /** Saved with "Save and continue" (the page is complete); false while medicines are being added. */
  done: boolean;
}

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The analgesic forms of the subject's latest visit before `visit` (protocol order) that has any,
 * without those listed with a stop date (stopped by that visit).
 */
export async function carriedMedicines(
  db: Kysely<Database> | Transaction<Database>,
  deps: Pick<RegistryDeps, 'protocol'>,
  studyId: string,
  visit: string,
): Promise<CarriedMedicine[]> {
  const order = deps.protocol.visits.map((v) => v.code);
  const earlier = order.slice(0, Math.max(0, order.indexOf(visit)));
  if (earlier.length === 0) return [];
  const rows = await db
    .selectFrom('response')
    .select(['visit', 'instance', 'answers'])
    .where('study_id', '=', studyId)
    .where('instrument', '=', 'analgesic')
    .where('status', '!=', 'draft')
    .where('visit', 'in', earlier)
    .orderBy('instance')
    .execute();
  const latest = earlier.filter((v) => rows.some((r) => r.visit === v)).at(-1);
  return rows
    .filter((r) => r.visit === latest)
    .map((r) => ({ ...r, a: (typeof r.answers === 'string' ? JSON.parse(r.answers) : r.answers) as Answers }))
    .filter((r) => typeof r.a.drug === 'string' && !text(r.a.stop_date))
    .map((r) => {
      const drug = String(r.a.drug);
      const unit = text(r.a.unit);
      const route = text(r.a.route);
      const strength = num(r.a.strength);
      const dosesPerDay = num(r.a.doses_per_day);
      const form = doseForm(unit, route);
      return {
        instance: r.instance,
        visit: r.visit,
        drug,
        strength,
        unit,
        route,
        dosesPerDay,
        startDate: text(r.a.start_date),
        words: doseWords({ name: patientDrugName(drug), strength, unit, form, perDay: dosesPerDay }),
        strengths: strengthsOf(drug, unit, strength),
        patch: form === 'patch',
      };
    });
}

/** A new medicine in the patient's words; "strength not sure" when it is. */
export function addedWords(m: AddedMedicine): string {
  const d = patientDrug(m.key);
  const s = PATIENT_STRENGTHS[m.key];
  const name = d?.short ?? m.key;
  if (m.strength === 'unsure') {
    return `${name} (strength not sure)${m.perDay !== null ? `, ${m.perDay} a day` : ''}`;
  }
  return doseWords({
    name,
    strength: m.strength,
    unit: s?.unit ?? null,
    form: s?.form ?? '',
    perDay: m.perDay,
  });
}

/** What the page's medicines record: the analgesic forms' answers, and the lines left for the site. */
export interface PlacedAnalgesics {
  forms: { answers: Answers; words: string; stopDate: string | null }[];
  /** What the site places by hand (never guessed). */
  unplaced: string[];
}

function ifSet<T>(key: string, v: T | null): Record<string, T> {
  return v === null ? {} : { [key]: v };
}

/** Turns the page's answers into analgesic forms (what can be placed) and text for the site (the rest). */
export function placeAnalgesics(carried: readonly CarriedMedicine[], a: AnalgesicAnswers): PlacedAnalgesics {
  const forms: PlacedAnalgesics['forms'] = [];
  const unplaced: string[] = [];
  for (const c of carried) {
    const answer = a.carried[String(c.instance)];
    const base: Answers = {
      drug: c.drug,
      ...ifSet('strength', c.strength),
      ...ifSet('unit', c.unit),
      ...ifSet('route', c.route),
      ...ifSet('doses_per_day', c.dosesPerDay),
      ...ifSet('start_date', c.startDate),
    };
    if (!answer) unplaced.push(`${c.words}: not answered`);
    else if (answer.answer === 'same') forms.push({ answers: base, words: c.words, stopDate: null });
    else if (answer.answer === 'stopped') {
      forms.push({
        answers: { ...base, stop_date: answer.stopDate },
        words: c.words,
        stopDate: answer.stopDate,
      });
    } else if (answer.strength === 'unsure' || (!c.patch && answer.perDay === null)) {
      const perDay = answer.perDay === null ? '' : `, ${answer.perDay} a day`;
      unplaced.push(`${c.words}: taken differently, strength not sure${perDay}`);
    } else {
      const changed: Answers = {
        ...base,
        strength: answer.strength,
        ...ifSet('doses_per_day', answer.perDay),
      };
      if (c.unit === null) changed.unit = strengthUnit(c.drug);
      const perDay = c.patch ? null : answer.perDay;
      const words = doseWords({
        name: patientDrugName(c.drug),
        strength: answer.strength,
        unit: changed.unit as string,
        form: doseForm(changed.unit as string, c.route),
        perDay,
      });
      forms.push({ answers: changed, words, stopDate: null });
    }
  }
  for (const m of a.added) {
    const d = patientDrug(m.key);
    const s = PATIENT_STRENGTHS[m.key];
    if (!d || !s || m.strength === 'unsure' || (s.form !== 'patch' && m.perDay === null)) {
      unplaced.push(addedWords(m));
      continue;
    }
    forms.push({
      answers: {
        drug: d.drug,
        strength: m.strength,
        unit: s.unit,
        route: s.route,
        ...(s.form === 'patch' ? {} : ifSet('doses_per_day', m.perDay)),
      },
      words: addedWords(m),
      stopDate: null,
    });
  }
  if (a.other.trim()) unplaced.push(a.other.trim());
  return { forms, unplaced };
}

/** The unit of a drug's common strengths (mg unless all its names are patches). */
function strengthUnit(drug: string): string {
  const units = Object.entries(PATIENT_STRENGTHS)
    .filter(([key]) => patientDrug(key)?.drug === drug)
    .map(([, s]) => s.unit);
  return units[0] ?? 'mg';
}

/** Reads a stored draft (or nothing) as the page's answers. */
export function analgesicAnswers(stored: Record<string, unknown> | undefined): AnalgesicAnswers {
  const a = stored ?? {};
  const carried =
    a.carried && typeof a.carried === 'object' ? (a.carried as Record<string, CarriedAnswer>) : {};
  return {
    carried,
    added: Array.isArray(a.added) ? (a.added as AddedMedicine[]) : [],
    none: a.none === true,
    other: typeof a.other === 'string' ? a.other : '',
    done: a.done === true,
  };
}

/** A strength answer from a form field: one of `allowed`, or "unsure"; null when not given or not listed. */
export function strengthAnswer(value: string, allowed: readonly number[]): StrengthAnswer | null {
  if (value === 'unsure') return 'unsure';
  const n = Number(value);
  return value !== '' && allowed.includes(n) ? n : null;
}

/** "How many a day" from a form field: 1–8, or null. */
export function perDayAnswer(value: string): number | null {
  const n = Number(value);
  return value !== '' && DOSES_PER_DAY.includes(n) ? n : null;
}

/**
 * The stop date a patient gives, checked by the rules the analgesic form is recorded with (the
 * instrument's validation with today's date, and the subject's date rules: not after the visit's
 * date, not before the medicine's start): the issues on `stop_date`, none when it fits. The visit's
 * date is the one the submit keeps or records (`visitDateOrToday`): today while none is recorded.
 */
export async function stopDateIssues(
  deps: RegistryDeps,
  studyId: string,
  visit: string,
  medicine: CarriedMedicine,
  stopDate: string,
): Promise<Issue[]> {
  const answers: Answers = {
    drug: medicine.drug,
    ...ifSet('strength', medicine.strength),
    ...ifSet('unit', medicine.unit),
    ...ifSet('route', medicine.route),
    ...ifSet('doses_per_day', medicine.dosesPerDay),
    ...ifSet('start_date', medicine.startDate),
    stop_date: stopDate,
  };
  const onStop = (e: unknown): Issue[] => {
    if (!(e instanceof RegistryError)) throw e;
    const issues = (e.issues ?? []).filter((i) => i.path[0] === 'stop_date');
    return issues.length > 0 ? issues : [{ path: ['stop_date'], code: 'invalid', message: e.message }];
  };
  try {
    const now = deps.clock();
    checkAnswers(deps.protocol, getInstrument('analgesic'), answers, false, undefined, now);
    const form = { instrument: 'analgesic', visit, instance: 1, answers };
    const visitDate = await visitDateOrToday(deps.db, studyId, visit, now);
    const issues = visitDateIssues(form, visitDate.date);
    if (issues.length > 0) return issues;
    await deps.db.transaction().execute((trx) => checkDateOrder(trx, studyId, form));
    return [];
  } catch (e) {
    return onStop(e);
  }
}

/** The analgesic forms already recorded at this visit (staff entered them first: the patient's wait). */
export async function analgesicsRecorded(trx: Transaction<Database>, studyId: string, visit: string) {
  const r = await sql<{ n: string }>`select count(*) as n from response
    where study_id = ${studyId} and visit = ${visit} and instrument = 'analgesic'`.execute(trx);
  return Number(r.rows[0]?.n ?? 0);
}
