import { sql } from 'kysely';
import { doseHundredths, mmeByVisit } from '../../analysis/study/visit-mme.js';
import { RegistryError } from '../../errors.js';
import { INSTRUMENTS } from '../../instruments/index.js';
import { SACROPLASTY_STUDY, type StudyDefinition } from '../../protocol/index.js';
import { dayOfVisit, visitDays } from '../../schedule/index.js';
import { appendAudit, type JsonObject } from '../../store/index.js';
import type { Actor, RegistryDeps } from '../context.js';
import { scopeFor } from '../scope.js';
import { type SdvState, sdvStatus } from '../sdv.js';
import { readableSites, readOpenQueries, readSubjectFacts } from './subject-facts.js';
import { type VisitCell, visitCells } from './visit-cells.js';

export interface SubjectIdentifiers {
  familyName: string | null;
  givenName: string | null;
  mrn: string | null;
  birthDate: string | null;
  phone: string | null;
  email: string | null;
}

export interface SubjectForm {
  responseId: number;
  visit: string;
  instrument: string;
  title: string;
  instance: number;
  status: string;
  version: number;
  signedBy: string | null;
  signedAt: string | null;
  lockedBy: string | null;
  lockedAt: string | null;
  enteredBy: string;
  /** 'patient' for answers the patient entered through ePRO. */
  enteredByKind: string;
  updatedAt: string;
  openQueries: number;
  /** Source data verification (sdv.ts); drafts are not verified. */
  sdv: SdvState;
}

/** An outcome over the visits, for the trajectory chart: the value and its day after the index date. */
export interface Trajectory {
  outcome: string;
  label: string;
  unit: string;
  /** The minimal clinically important change, for the MCID line; null: none. */
  mcid: number | null;
  points: { visit: string; day: number | null; value: number }[];
}

export interface SubjectView {
  studyId: string;
  siteId: string;
  status: string;
  enrolledOn: string;
  indexDate: string | null;
  endedOn: string | null;
  /** Each protocol visit: target, window, schedule status, cell state and the date recorded. */
  timeline: (VisitCell & { label: string })[];
  trajectories: Trajectory[];
  forms: SubjectForm[];
  /** Adverse event and medication forms with their answers, in visit order. */
  adverseEvents: {
    responseId: number;
    visit: string;
    instance: number;
    status: string;
    answers: JsonObject;
  }[];
  medications: { responseId: number; visit: string; instance: number; status: string; answers: JsonObject }[];
  /** Opioid dose per visit with medications: MME/day, null when an opioid there has no factor or dose. */
  mmeByVisit: { visit: string; mmeDay: number | null }[];
  /** Direct identifiers: only for staff of the subject's own site (the read is audited); else null. */
  identifiers: SubjectIdentifiers | null;
  /** Problems the patient reported through ePRO that staff have not yet confirmed or rejected. */
  pendingProblems: number;
}

/** The outcomes charted on the subject page: those the study definition keeps in typed columns. */
const CHARTED: Readonly<Record<string, 'pain_nrs' | 'odi_pct'>> = {
  pain_nrs: 'pain_nrs',
  odi_pct: 'odi_pct',
};

/**
 * A subject's page (issue 8 §3.4): the visit timeline from the schedule, the pain and ODI
 * trajectories, every form with its state, adverse events and medications. Another site's subject
 * is "not found". Identifiers are read only for staff of the subject's own site, and that read is
 * an audit event (DESIGN.md); pass `identifiers: false` for a read that does not show them.
 */
export async function subjectView(
  deps: RegistryDeps,
  actor: Actor,
  studyId: string,
  options: { identifiers?: boolean; definition?: StudyDefinition } = {},
): Promise<SubjectView> {
  const sites = readableSites(actor);
  const definition = options.definition ?? SACROPLASTY_STUDY;
  const [facts] = await readSubjectFacts(deps.db, sites, [studyId]);
  if (!facts) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
  const now = deps.clock();
  const [queries, forms, queryCounts, problems] = await Promise.all([
    readOpenQueries(deps.db, sites, [studyId]),
    deps.db
      .selectFrom('response')
      .select([
        'id',
        'visit',
        'instrument',
        'instance',
        'status',
        'version',
        'signed_by',
        'signed_at',
        'locked_by',
        'locked_at',
        'entered_by',
        'entered_by_kind',
        'updated_at',
        'pain_nrs',
        'mme_day',
        'opioid_any',
        'odi_pct',
        'answers',
      ])
      .where('study_id', '=', studyId)
      .orderBy('id')
      .execute(),
    deps.db
      .selectFrom('query')
      .select(['response_id', sql<number>`count(*)::int`.as('n')])
      .where('study_id', '=', studyId)
      .where('status', '=', 'open')
      .groupBy('response_id')
      .execute(),
    sql<{ n: number }>`select count(*)::int as n from epro_ae_candidate
      where study_id = ${studyId} and status = 'pending'`.execute(deps.db),
  ]);
  const labels = new Map(deps.protocol.visits.map((v) => [v.code, v.label]));
  const order = new Map(deps.protocol.visits.map((v, i) => [v.code, i]));
  forms.sort((a, b) => (order.get(a.visit) ?? 99) - (order.get(b.visit) ?? 99) || a.id - b.id);
  const timeline = visitCells(deps.protocol, facts, now, queries.get(studyId)).map((c) => ({
    ...c,
    label: labels.get(c.visit) ?? c.visit,
  }));
  const days = new Map(visitDays(deps.protocol).map((v) => [v.code, v]));
  const trajectories = definition.outcomes
    .filter((o) => Object.hasOwn(CHARTED, o.score))
    .map((o) => {
      const column = CHARTED[o.score]!;
      const byVisit = new Map<string, number>();
      for (const f of forms) {
        const value = f[column];
        if (f.status === 'draft' || value === null) continue;
        byVisit.set(f.visit, Math.max(byVisit.get(f.visit) ?? -Infinity, Number(value)));
      }
      return {
        outcome: o.key,
        label: o.label,
        unit: o.unit,
        mcid: o.mcid,
        points: [...byVisit].map(([visit, value]) => {
          const v = days.get(visit);
          const day =
            v && facts.indexDate !== null
              ? dayOfVisit(v, facts.indexDate, facts.visitDates[visit] ?? null)
              : null;
          return { visit, day, value };
        }),
      };
    });
  const sdv = await sdvStatus(
    deps,
    actor,
    forms.map((f) => f.id),
  );
  const openByForm = new Map(queryCounts.map((q) => [Number(q.response_id), q.n]));
  const repeating = (instrument: string) =>
    forms
      .filter((f) => f.instrument === instrument)
      .map((f) => ({
        responseId: f.id,
        visit: f.visit,
        instance: f.instance,
        status: f.status,
        answers: f.answers as JsonObject,
      }));
  const medication = definition.outcomes.find((o) => o.score === 'mme_day')?.instrument ?? 'analgesic';
  return {
    studyId: facts.studyId,
    siteId: facts.siteId,
    status: facts.status,
    enrolledOn: facts.enrolledOn,
    indexDate: facts.indexDate,
    endedOn: facts.endedOn,
    timeline,
    trajectories,
    forms: forms.map((f) => ({
      responseId: f.id,
      visit: f.visit,
      instrument: f.instrument,
      title: INSTRUMENTS.get(f.instrument)?.title ?? f.instrument,
      instance: f.instance,
      status: f.status,
      version: f.version,
      signedBy: f.signed_by,
      signedAt: f.signed_at?.toISOString() ?? null,
      lockedBy: f.locked_by,
      lockedAt: f.locked_at?.toISOString() ?? null,
      enteredBy: f.entered_by,
      enteredByKind: f.entered_by_kind,
      updatedAt: f.updated_at.toISOString(),
      openQueries: openByForm.get(f.id) ?? 0,
      sdv: sdv.get(f.id)?.status ?? 'not verified',
    })),
    adverseEvents: repeating(definition.adverseEvents.instrument),
    medications: repeating(medication),
    // The study extract's rule (analysis/study/visit-mme.ts): drugs listed stopped left out, missing
    // when an opioid still taken has no MME.
    mmeByVisit: mmeByVisit(
      forms
        .filter((f) => f.instrument === medication && f.status !== 'draft')
        .map((f) => ({
          visit: f.visit,
          mmeHundredths: doseHundredths(f.mme_day),
          opioid: f.opioid_any,
          stopDate: (f.answers as JsonObject).stop_date,
        })),
    ),
    identifiers: options.identifiers === false ? null : await readIdentifiers(deps, actor, facts),
    pendingProblems: problems.rows[0]?.n ?? 0,
  };
}

/**
 * The subject's identifiers for staff of its own site, in one transaction with the audit event of
 * the read; null for anyone else (the monitor reads every site, pseudonymised) or when none are kept.
 */
async function readIdentifiers(
  deps: RegistryDeps,
  actor: Actor,
  subject: { studyId: string; siteId: string },
): Promise<SubjectIdentifiers | null> {
  const scope = scopeFor(actor, 'data.read');
  const ownSite =
    scope.kind === 'sites' && scope.sites.includes(subject.siteId) && actor.siteId === subject.siteId;
  if (!ownSite) return null;
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('subject_identity')
      .select(['family_name', 'given_name', 'mrn', 'birth_date', 'phone', 'email'])
      .where('study_id', '=', subject.studyId)
      .where('site_id', '=', subject.siteId)
      .executeTakeFirst();
    if (!row) return null;
    await appendAudit(trx, {
      at: deps.clock(),
      actor: actor.username,
      action: 'identity.read',
      siteId: subject.siteId,
      entity: 'subject',
      entityId: subject.studyId,
    });
    return {
      familyName: row.family_name,
      givenName: row.given_name,
      mrn: row.mrn,
      birthDate: row.birth_date,
      phone: row.phone,
      email: row.email,
    };
  });
}
