import { sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { appendAudit, type Database } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import {
  analgesicAnswers,
  analgesicsRecorded,
  carriedMedicines,
  placeAnalgesics,
} from './epro-analgesics.js';
import { ANALGESIC_PAGE, type PatientSession, PROBLEMS_PAGE, patientPages } from './epro-links.js';
import { recordResponseIn } from './responses.js';
import { checkVisitRecord, recordVisitIn, visitDateOrToday } from './visits.js';

/*
 * The patient's saved pages and the final submit (issue 9 §2): every instrument, every analgesic
 * form, the adverse event candidate, the link's submitted_at and the audit events commit together
 * or not at all.
 */

type Drafts = Record<string, Record<string, unknown>>;

async function draftsOf(db: RegistryDeps['db'] | Transaction<Database>, linkId: number): Promise<Drafts> {
  const rows = await sql<{ page: string; answers: Record<string, unknown> }>`select page, answers
    from epro_draft where link_id = ${linkId}`.execute(db);
  return Object.fromEntries(rows.rows.map((r) => [r.page, r.answers]));
}

/** The patient's saved pages of this link: page → answers. */
export async function loadDrafts(deps: RegistryDeps, session: PatientSession): Promise<Drafts> {
  return draftsOf(deps.db, session.linkId);
}

/** Saves one page of answers (a draft: nothing reaches the registry before the final submit). */
export async function saveDraft(
  deps: RegistryDeps,
  session: PatientSession,
  page: string,
  answers: Record<string, unknown>,
): Promise<void> {
  if (session.submitted || session.closed)
    throw new RegistryError('INVALID_STATE', 'this questionnaire is closed');
  // Checked again against the link's row, waiting for a submit that holds it: a save that read the
  // session before a submit (another tab) committed must not overwrite what was sent.
  const saved = await sql`insert into epro_draft (link_id, page, answers, updated_at)
    select id, ${page}, ${JSON.stringify(answers)}::jsonb, ${deps.clock()} from epro_link
    where id = ${session.linkId} and submitted_at is null and revoked_at is null and locked_at is null
    for share
    on conflict (link_id, page) do update set answers = excluded.answers, updated_at = excluded.updated_at`.execute(
    deps.db,
  );
  if (Number(saved.numAffectedRows ?? 0) === 0)
    throw new RegistryError('INVALID_STATE', 'this questionnaire is closed');
}

/** The actor patient answers are recorded as: the ePRO channel, scoped to the link's site. */
export function eproActor(siteId: string): Actor {
  // 'coordinator' only scopes the write to the link's site; the username names the channel.
  return { username: 'ePRO', role: 'coordinator', siteId };
}

/** What a submit did: recorded the answers, or found the link already submitted (another tab). */
export type SubmitResult = 'recorded' | 'already_submitted';

/**
 * The final submit, in one transaction: each answered instrument recorded as entered by the patient
 * (actor `ePRO` in the audit trail; one a site already recorded is left as it is), each placed
 * analgesic an analgesic form (the instrument scores its MME/day), a "new problem" a pending adverse
 * event candidate, the visit's date when none is recorded yet (the day the patient submits, mode
 * `epro`; a date staff recorded is kept), and the link marked submitted. The link's row is locked
 * first, so of two submits at once (two tabs) exactly one records; any failure leaves nothing written.
 */
export async function submitLink(deps: RegistryDeps, session: PatientSession): Promise<SubmitResult> {
  if (session.submitted) return 'already_submitted';
  if (session.closed) throw new RegistryError('INVALID_STATE', 'this questionnaire is closed');
  const actor = eproActor(session.siteId);
  return deps.db.transaction().execute(async (trx) => {
    const link = await sql<{ submitted_at: Date | null }>`select submitted_at from epro_link
      where id = ${session.linkId} for update`.execute(trx);
    if (link.rows[0]?.submitted_at) return 'already_submitted';
    const now = deps.clock();
    const drafts = await draftsOf(trx, session.linkId);
    // The visit's date first, so the forms' date rules (a stop date not after the visit) read it.
    const visitDate = await visitDateOrToday(trx, session.studyId, session.visit, now);
    let visitRecord: number | null = null;
    if (!visitDate.recorded) {
      const checked = checkVisitRecord({ date: visitDate.date, mode: 'epro' }, visitDate.date);
      if (!checked.ok)
        throw new RegistryError('VALIDATION_FAILED', checked.issues[0]!.message, checked.issues);
      const v = { studyId: session.studyId, visit: session.visit };
      visitRecord = (await recordVisitIn(trx, actor, v, checked.record, now, { channel: 'ePRO' })).id;
    }
    const recorded: number[] = [];
    const write = async (instrument: string, instance: number, answers: Record<string, unknown>) => {
      const ref = await recordResponseIn(deps, trx, actor, {
        studyId: session.studyId,
        visit: session.visit,
        instrument,
        instance,
        answers,
        status: 'complete',
        enteredByKind: 'patient',
      });
      recorded.push(ref.id);
    };
    for (const page of patientPages(deps, session.visit)) {
      const answers = drafts[page];
      if (page === PROBLEMS_PAGE || page === ANALGESIC_PAGE || !answers || Object.keys(answers).length === 0)
        continue;
      const existing = await trx
        .selectFrom('response')
        .select('id')
        .where('study_id', '=', session.studyId)
        .where('visit', '=', session.visit)
        .where('instrument', '=', page)
        .executeTakeFirst();
      if (!existing) await write(page, 1, answers);
    }
    let analgesics: Record<string, unknown> | null = null;
    if (drafts[ANALGESIC_PAGE]) {
      const a = analgesicAnswers(drafts[ANALGESIC_PAGE]);
      const carried = await carriedMedicines(trx, deps, session.studyId, session.visit);
      const placed = placeAnalgesics(carried, a);
      // Forms the site recorded at this visit already: the patient's answers wait for the site, never doubled.
      const byStaff = await analgesicsRecorded(trx, session.studyId, session.visit);
      const forms = byStaff > 0 ? [] : placed.forms;
      const unplaced =
        byStaff > 0 ? [...placed.forms.map((f) => f.words), ...placed.unplaced] : placed.unplaced;
      for (const [i, f] of forms.entries()) await write('analgesic', i + 1, f.answers);
      analgesics = {
        ...drafts[ANALGESIC_PAGE],
        placed: forms.map((f) => ({ words: f.words, drug: f.answers.drug, stopDate: f.stopDate })),
        unplaced,
      };
      await sql`update epro_draft set answers = ${JSON.stringify(analgesics)}::jsonb
        where link_id = ${session.linkId} and page = ${ANALGESIC_PAGE}`.execute(trx);
    }
    await sql`update epro_link set submitted_at = ${now} where id = ${session.linkId}`.execute(trx);
    const problem = drafts[PROBLEMS_PAGE];
    let candidate: number | null = null;
    if (problem?.any === 'yes' && typeof problem.description === 'string' && problem.description.trim()) {
      const r = await sql<{ id: string }>`insert into epro_ae_candidate
          (link_id, study_id, site_id, visit, description, created_at)
        values (${session.linkId}, ${session.studyId}, ${session.siteId}, ${session.visit},
          ${problem.description.trim().slice(0, 2000)}, ${now}) returning id`.execute(trx);
      candidate = Number(r.rows[0]?.id);
    }
    await appendAudit(trx, {
      at: now,
      actor: 'ePRO',
      action: 'epro.submit',
      siteId: session.siteId,
      entity: 'subject',
      entityId: session.studyId,
      after: {
        link: session.linkId,
        visit: session.visit,
        channel: 'ePRO',
        responses: recorded,
        visit_date: visitDate.date,
        visit_record: visitRecord,
        analgesics_to_place: Array.isArray(analgesics?.unplaced) ? analgesics.unplaced.length : 0,
        ae_candidate: candidate,
      },
    });
    return 'recorded';
  });
}

/** The pages the patient has saved: the analgesics page once "Save and continue" accepted it. */
export function savedPages(drafts: Drafts): Set<string> {
  return new Set(
    Object.entries(drafts)
      .filter(([page, answers]) => page !== ANALGESIC_PAGE || answers.done === true)
      .map(([page]) => page),
  );
}
