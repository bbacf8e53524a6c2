import { sql } from 'kysely';
import { RegistryError } from '../errors.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { analgesicAnswers, carriedMedicines, placeAnalgesics } from './epro-analgesics.js';
import { ANALGESIC_PAGE, subjectForLink } from './epro-links.js';

/*
 * The staff side of ePRO on a subject (docs/epro.md): the links and their state, the site's
 * year-of-birth setting, what the patient entered, the analgesics left to place, and the
 * patient-reported adverse event candidates to confirm or reject.
 */

export interface LinkStatus {
  id: number;
  visit: string;
  createdAt: Date;
  validFrom: Date;
  validTo: Date;
  revokedAt: Date | null;
  openedAt: Date | null;
  submittedAt: Date | null;
  lockedAt: Date | null;
}

/** The subject's links, newest first (staff of the subject's site). */
export async function listLinks(deps: RegistryDeps, actor: Actor, studyId: string): Promise<LinkStatus[]> {
  requirePermission(actor, 'response.write');
  const subject = await deps.db
    .selectFrom('subject')
    .select('site_id')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (!subject) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
  requireSite(actor, 'response.write', subject.site_id, studyId);
  const rows = await sql<{
    id: string;
    visit: string;
    created_at: Date;
    valid_from: Date;
    valid_to: Date;
    revoked_at: Date | null;
    opened_at: Date | null;
    submitted_at: Date | null;
    locked_at: Date | null;
  }>`select id, visit, created_at, valid_from, valid_to, revoked_at, opened_at, submitted_at, locked_at
     from epro_link where study_id = ${studyId} order by id desc`.execute(deps.db);
  return rows.rows.map((r) => ({
    id: Number(r.id),
    visit: r.visit,
    createdAt: r.created_at,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    revokedAt: r.revoked_at,
    openedAt: r.opened_at,
    submittedAt: r.submitted_at,
    lockedAt: r.locked_at,
  }));
}

/** Turns the year-of-birth check of a site's ePRO links on or off (admin). */
export async function setYearCheck(deps: RegistryDeps, actor: Actor, siteId: string, on: boolean) {
  if (actor.role !== 'admin' && actor.role !== 'system') {
    throw new RegistryError('FORBIDDEN', 'only an administrator sets the ePRO year-of-birth check');
  }
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const r = await sql`update site set epro_year_check = ${on} where id = ${siteId}`.execute(trx);
    if (Number(r.numAffectedRows ?? 0) === 0)
      throw new RegistryError('SITE_NOT_FOUND', `site ${siteId} not found`);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'site.epro_year_check',
      siteId,
      entity: 'site',
      entityId: siteId,
      after: { epro_year_check: on },
    });
  });
}

export interface PatientAnalgesics {
  visit: string;
  submittedAt: Date | null;
  none: boolean;
  /** The medicines placed (recorded as analgesic forms at submit), in the patient's words. */
  drugs: { key: string; name: string; drug: string; stoppedOn: string | null }[];
  /** What the patient could not place (a strength "not sure", free text), for the site to review. */
  other: string;
}

/**
 * The analgesics the patient reported on each link of the subject, for the site to review: after the
 * submit, what was recorded as forms and what is left to place; before it, what the page holds so far.
 */
export async function listPatientAnalgesics(
  deps: RegistryDeps,
  actor: Actor,
  studyId: string,
): Promise<PatientAnalgesics[]> {
  await listLinks(deps, actor, studyId); // the same access rule
  const rows = await sql<{ visit: string; submitted_at: Date | null; answers: Record<string, unknown> }>`
    select l.visit, l.submitted_at, d.answers from epro_draft d join epro_link l on l.id = d.link_id
    where l.study_id = ${studyId} and d.page = ${ANALGESIC_PAGE} order by l.id`.execute(deps.db);
  const out: PatientAnalgesics[] = [];
  for (const r of rows.rows) {
    const a = analgesicAnswers(r.answers);
    const stored = r.answers.placed;
    const placed = Array.isArray(stored)
      ? {
          forms: (stored as { words: string; drug: string; stopDate: string | null }[]).map((f) => ({
            words: f.words,
            drug: f.drug,
            stopDate: f.stopDate,
          })),
          unplaced: (r.answers.unplaced ?? []) as string[],
        }
      : await (async () => {
          const carried = await carriedMedicines(deps.db, deps, studyId, r.visit);
          const p = placeAnalgesics(carried, a);
          return {
            forms: p.forms.map((f) => ({ ...f, drug: String(f.answers.drug) })),
            unplaced: p.unplaced,
          };
        })();
    out.push({
      visit: r.visit,
      submittedAt: r.submitted_at,
      none: a.none,
      drugs: placed.forms.map((f) => ({ key: f.drug, name: f.words, drug: f.drug, stoppedOn: f.stopDate })),
      other: placed.unplaced.join('; '),
    });
  }
  return out;
}

export interface PatientEntered {
  id: number;
  visit: string;
  instrument: string;
  instance: number;
  status: string;
  createdAt: Date;
}

/** The subject's responses entered by the patient (ePRO), for staff review (amend only with a reason). */
export async function listPatientEntered(
  deps: RegistryDeps,
  actor: Actor,
  studyId: string,
): Promise<PatientEntered[]> {
  await listLinks(deps, actor, studyId); // the same access rule
  const rows = await deps.db
    .selectFrom('response')
    .select(['id', 'visit', 'instrument', 'instance', 'status', 'created_at'])
    .where('study_id', '=', studyId)
    .where('entered_by_kind', '=', 'patient')
    .orderBy('id')
    .execute();
  return rows.map((x) => ({
    id: Number(x.id),
    visit: x.visit,
    instrument: x.instrument,
    instance: x.instance,
    status: x.status,
    createdAt: x.created_at as Date,
  }));
}

export interface AeCandidate {
  id: number;
  visit: string;
  description: string;
  createdAt: Date;
  status: 'pending' | 'confirmed' | 'rejected';
}

/** The subject's patient-reported adverse event candidates (staff of the site). */
export async function listAeCandidates(
  deps: RegistryDeps,
  actor: Actor,
  studyId: string,
): Promise<AeCandidate[]> {
  await listLinks(deps, actor, studyId); // the same access rule
  const rows = await sql<{
    id: string;
    visit: string;
    description: string;
    created_at: Date;
    status: AeCandidate['status'];
  }>`
    select id, visit, description, created_at, status from epro_ae_candidate
    where study_id = ${studyId} order by id`.execute(deps.db);
  return rows.rows.map((r) => ({
    id: Number(r.id),
    visit: r.visit,
    description: r.description,
    createdAt: r.created_at,
    status: r.status,
  }));
}

/**
 * Staff decide a candidate: confirmed (the investigator then records the adverse event form, which
 * is what the analysis counts) or rejected. Decided once.
 */
export async function decideAeCandidate(
  deps: RegistryDeps,
  actor: Actor,
  input: { studyId: string; id: number; decision: string },
): Promise<void> {
  requirePermission(actor, 'response.write');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const subject = await subjectForLink(trx, actor, input.studyId);
    if (input.decision !== 'confirmed' && input.decision !== 'rejected') {
      throw new RegistryError('VALIDATION_FAILED', 'decision must be confirmed or rejected');
    }
    const r =
      await sql`update epro_ae_candidate set status = ${input.decision}, decided_by = ${actor.username},
        decided_at = ${now}
      where id = ${input.id} and study_id = ${input.studyId} and status = 'pending'`.execute(trx);
    if (Number(r.numAffectedRows ?? 0) === 0) {
      throw new RegistryError('INVALID_STATE', `adverse event candidate ${input.id} is not pending`);
    }
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: `epro.ae_candidate.${input.decision === 'confirmed' ? 'confirm' : 'reject'}`,
      siteId: subject.site_id,
      entity: 'subject',
      entityId: input.studyId,
      after: { candidate: input.id },
    });
  });
}
