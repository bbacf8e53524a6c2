import { createHash, randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { patientDrug } from '../instruments/patient-drugs.js';
import { DEFAULT_EPRO, getVisit } from '../protocol/index.js';
import { visitWindow } from '../schedule/index.js';
import { appendAudit, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { recordResponse } from './responses.js';
import { isTerminal } from './subject-state.js';

/*
 * Patient ePRO links (issue 9 §1). A link is one subject x visit. The patient's browser holds a token
 * of 32 random bytes (base64url, 256 bits; OWASP ASVS 5.0 asks for at least 128); the database holds
 * only its sha256, so a copy of the database opens no link. Staff of the subject's site create,
 * revoke and regenerate links; only one link per subject x visit is live at a time.
 */

/** Patient sessions end after 30 idle minutes, and at most 2 hours after the link was opened. */
export const PATIENT_IDLE_MS = 30 * 60_000;
export const PATIENT_ABSOLUTE_MS = 2 * 60 * 60_000;
/** Invalid tokens allowed per address in the window; the next is refused with 429. */
export const TOKEN_FAILURES_ALLOWED = 10;
export const TOKEN_FAILURE_WINDOW_MS = 15 * 60_000;
/** Wrong years of birth that lock a link (a guard against a mis-sent link, not authentication). */
export const YEAR_FAILURES_LOCK = 5;

/** Instruments a patient answers on the ePRO pages, in page order. */
export const PATIENT_INSTRUMENTS = ['pain', 'odi', 'satisfaction'] as const;

/** The patient page of the "new problems since the last visit" question. */
export const PROBLEMS_PAGE = 'problems';

/**
 * The analgesics page: the patient ticks common names (instruments/patient-drugs.ts), gives a stop
 * date for what they stopped, or "None", and writes what they cannot place. It is kept for the site
 * to review and record as analgesic forms, never recorded by itself: an opioid's MME needs strength
 * and doses a patient's answer does not reliably give, and nothing is guessed.
 */
export const ANALGESIC_PAGE = 'analgesic';

/** The path a token opens (the only URL that carries it) and the token-free pages it leads to. */
export const EPRO_PATHS = {
  open: (token: string) => `/p/${token}`,
  form: '/p/form',
  page: (page: string) => `/p/form/${encodeURIComponent(page)}`,
  done: '/p/done',
} as const;

/** The link a patient receives: always built from the configured APP_ORIGIN, never a Host header. */
export function eproUrl(appOrigin: string, token: string): string {
  return `${appOrigin.replace(/\/+$/, '')}${EPRO_PATHS.open(token)}`;
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What may be logged about a token: the first 8 hex digits of its hash. */
export function tokenLogId(token: string): string {
  return tokenHash(token).slice(0, 8);
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export interface LinkRef {
  id: number;
  studyId: string;
  visit: string;
  validFrom: Date;
  validTo: Date;
}

export interface CreatedLink extends LinkRef {
  /** Shown to staff once; never stored. */
  token: string;
}

/** The pages of a visit's questionnaire, in order: its patient instruments, then the problems question. */
export function patientPages(deps: RegistryDeps, visit: string): string[] {
  const instruments = getVisit(deps.protocol, visit).instruments;
  const pages: string[] = PATIENT_INSTRUMENTS.filter((i) => instruments.includes(i));
  if (pages.length === 0) return [];
  if (instruments.includes('analgesic')) pages.push(ANALGESIC_PAGE);
  if (instruments.includes('adverse_event')) pages.push(PROBLEMS_PAGE);
  return pages;
}

const DAY_MS = 86_400_000;

async function subjectForLink(trx: Transaction<Database>, actor: Actor, studyId: string) {
  const subject = await trx
    .selectFrom('subject')
    .select(['study_id', 'site_id', 'enrolled_on', 'index_date', 'status'])
    .where('study_id', '=', studyId)
    .forUpdate()
    .executeTakeFirst();
  if (!subject) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
  requireSite(actor, 'response.write', subject.site_id, studyId);
  return subject;
}

async function revokeLive(trx: Transaction<Database>, studyId: string, visit: string, now: Date) {
  const r = await sql<{ id: string }>`update epro_link set revoked_at = ${now}
    where study_id = ${studyId} and visit = ${visit} and revoked_at is null returning id`.execute(trx);
  return r.rows.map((x) => Number(x.id));
}

/**
 * Creates the link of one subject x visit, revoking the live one if there is one (regenerate: the old
 * link stops working at once). Valid from the day the visit window opens (or now, if later) until
 * the end of the day it closes, and never longer than the protocol's link lifetime from now.
 */
export async function createLink(
  deps: RegistryDeps,
  actor: Actor,
  input: { studyId: string; visit: string },
): Promise<CreatedLink> {
  requirePermission(actor, 'response.write');
  const now = deps.clock();
  const token = randomBytes(32).toString('base64url');
  return deps.db.transaction().execute(async (trx) => {
    // The subject first: another site's subject is not found, whatever the visit.
    const subject = await subjectForLink(trx, actor, input.studyId);
    const visit = getVisit(deps.protocol, input.visit);
    if (patientPages(deps, visit.code).length === 0) {
      throw new RegistryError('INVALID_STATE', `visit ${visit.code} has no questionnaire a patient answers`);
    }
    // Follow-up happens after the procedure: an enrolled or treated subject gets links, one who left does not.
    if (isTerminal(subject.status)) {
      throw new RegistryError(
        'INVALID_STATE',
        `subject ${input.studyId} has left the study; no link is made`,
      );
    }
    const timing = visitWindow(deps.protocol, visit.code, {
      enrolledOn: subject.enrolled_on,
      indexDate: subject.index_date,
    });
    if (!timing) {
      throw new RegistryError(
        'INVALID_STATE',
        `visit ${visit.code} has no window yet: the subject has no index date`,
      );
    }
    const start = timing.windowStart ?? timing.target;
    const end = timing.windowEnd ?? timing.target;
    const opens = new Date(start.length === 10 ? `${start}T00:00:00Z` : start);
    const closes = new Date(end.length === 10 ? Date.parse(`${end}T00:00:00Z`) + DAY_MS : Date.parse(end));
    const lifetime = (deps.protocol.epro?.linkLifetimeDays ?? DEFAULT_EPRO.linkLifetimeDays) * DAY_MS;
    const validFrom = opens > now ? opens : now;
    const validTo = new Date(Math.min(closes.getTime(), validFrom.getTime() + lifetime));
    if (validTo <= now) {
      throw new RegistryError(
        'INVALID_STATE',
        `the window of visit ${visit.code} closed on ${end.slice(0, 10)}`,
      );
    }
    const revoked = await revokeLive(trx, input.studyId, visit.code, now);
    const row = await sql<{ id: string }>`insert into epro_link
        (hash, study_id, site_id, visit, created_at, created_by, valid_from, valid_to)
      values (${tokenHash(token)}, ${input.studyId}, ${subject.site_id}, ${visit.code}, ${now},
        ${actor.username}, ${validFrom}, ${validTo}) returning id`.execute(trx);
    const id = Number(row.rows[0]?.id);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: revoked.length > 0 ? 'epro.link.regenerate' : 'epro.link.create',
      siteId: subject.site_id,
      entity: 'subject',
      entityId: input.studyId,
      after: { link: id, visit: visit.code, valid_from: validFrom, valid_to: validTo, revoked },
    });
    return { id, studyId: input.studyId, visit: visit.code, validFrom, validTo, token };
  });
}

/** Revokes the live link of a subject x visit; its sessions end with it. */
export async function revokeLink(
  deps: RegistryDeps,
  actor: Actor,
  input: { studyId: string; visit: string },
): Promise<void> {
  requirePermission(actor, 'response.write');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const subject = await subjectForLink(trx, actor, input.studyId);
    const visit = getVisit(deps.protocol, input.visit);
    const revoked = await revokeLive(trx, input.studyId, visit.code, now);
    if (revoked.length === 0) {
      throw new RegistryError(
        'EPRO_LINK_NOT_FOUND',
        `${input.studyId} has no live ePRO link for ${visit.code}`,
      );
    }
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'epro.link.revoke',
      siteId: subject.site_id,
      entity: 'subject',
      entityId: input.studyId,
      after: { link: revoked[0], visit: visit.code },
    });
  });
}

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

export type OpenResult =
  | { kind: 'opened'; session: string }
  | { kind: 'unknown' }
  | { kind: 'limited' }
  | { kind: 'not_yet'; from: Date }
  | { kind: 'expired' }
  | { kind: 'revoked' }
  | { kind: 'locked' };

/** Invalid tokens from this address in the last 15 minutes. */
async function failuresFrom(deps: RegistryDeps, ip: string, now: Date): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from epro_token_failure
    where ip = ${ip} and at > ${new Date(now.getTime() - TOKEN_FAILURE_WINDOW_MS)}`.execute(deps.db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Exchanges a link token for a patient session (first and every later use of the link). An address
 * that sent 10 invalid tokens in 15 minutes is refused before its token is even looked up. A
 * submitted link still opens: its pages are the read-only thank-you.
 */
export async function openLink(deps: RegistryDeps, token: string, ip: string): Promise<OpenResult> {
  const now = deps.clock();
  if ((await failuresFrom(deps, ip, now)) >= TOKEN_FAILURES_ALLOWED) return { kind: 'limited' };
  const link = TOKEN_SHAPE.test(token)
    ? (
        await sql<{
          id: string;
          site_id: string;
          study_id: string;
          valid_from: Date;
          valid_to: Date;
          revoked_at: Date | null;
          submitted_at: Date | null;
          locked_at: Date | null;
        }>`select id, site_id, study_id, valid_from, valid_to, revoked_at, submitted_at, locked_at
           from epro_link where hash = ${tokenHash(token)}`.execute(deps.db)
      ).rows[0]
    : undefined;
  if (!link) {
    await sql`insert into epro_token_failure (ip, at) values (${ip}, ${now})`.execute(deps.db);
    return { kind: 'unknown' };
  }
  if (link.revoked_at) return { kind: 'revoked' };
  if (link.locked_at) return { kind: 'locked' };
  if (!link.submitted_at) {
    if (now < link.valid_from) return { kind: 'not_yet', from: link.valid_from };
    if (now >= link.valid_to) return { kind: 'expired' };
  }
  const session = randomBytes(32).toString('base64url');
  await deps.db.transaction().execute(async (trx) => {
    await sql`insert into epro_session (id_hash, link_id, created_at, last_seen_at, expires_at)
      values (${tokenHash(session)}, ${link.id}, ${now}, ${now}, ${new Date(now.getTime() + PATIENT_ABSOLUTE_MS)})`.execute(
      trx,
    );
    const first =
      await sql`update epro_link set opened_at = ${now} where id = ${link.id} and opened_at is null`.execute(
        trx,
      );
    if (Number(first.numAffectedRows ?? 0) > 0) {
      await appendAudit(trx, {
        at: now,
        actor: 'ePRO',
        action: 'epro.link.open',
        siteId: link.site_id,
        entity: 'subject',
        entityId: link.study_id,
        after: { link: Number(link.id), channel: 'ePRO' },
      });
    }
  });
  return { kind: 'opened', session };
}

export interface PatientSession {
  idHash: string;
  linkId: number;
  studyId: string;
  siteId: string;
  visit: string;
  submitted: boolean;
  /** The site asks for the year of birth and this session has not given it yet. */
  needsYear: boolean;
  /** The link was revoked, locked or has expired since the session began. */
  closed: 'revoked' | 'locked' | 'expired' | null;
}

/** The live patient session of a cookie, or null (unknown, idle 30 minutes, past 2 hours). */
export async function loadPatientSession(deps: RegistryDeps, token: string): Promise<PatientSession | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const now = deps.clock();
  const idHash = tokenHash(token);
  const row = (
    await sql<{
      link_id: string;
      study_id: string;
      site_id: string;
      visit: string;
      submitted_at: Date | null;
      revoked_at: Date | null;
      locked_at: Date | null;
      valid_to: Date;
      year_checked: boolean;
      year_check: boolean | null;
    }>`select l.id as link_id, l.study_id, l.site_id, l.visit, l.submitted_at, l.revoked_at, l.locked_at,
         l.valid_to, s.year_checked, site.epro_year_check as year_check
       from epro_session s join epro_link l on l.id = s.link_id join site on site.id = l.site_id
       where s.id_hash = ${idHash} and s.expires_at > ${now}
         and s.last_seen_at > ${new Date(now.getTime() - PATIENT_IDLE_MS)}`.execute(deps.db)
  ).rows[0];
  if (!row) return null;
  await sql`update epro_session set last_seen_at = ${now} where id_hash = ${idHash}`.execute(deps.db);
  const closed = row.revoked_at
    ? 'revoked'
    : row.locked_at
      ? 'locked'
      : !row.submitted_at && now >= row.valid_to
        ? 'expired'
        : null;
  return {
    idHash,
    linkId: Number(row.link_id),
    studyId: row.study_id,
    siteId: row.site_id,
    visit: row.visit,
    submitted: row.submitted_at !== null,
    needsYear: row.year_check === true && !row.year_checked,
    closed,
  };
}

/**
 * Compares the year of birth the patient gives with the one on file. Five wrong answers lock the
 * link (the site makes a new one). A guard against a link sent to the wrong person, not authentication.
 */
export async function checkYear(
  deps: RegistryDeps,
  session: PatientSession,
  year: string,
): Promise<'ok' | 'wrong' | 'locked'> {
  const now = deps.clock();
  return deps.db.transaction().execute(async (trx) => {
    const link = (
      await sql<{ year_failures: number; birth_date: string | null }>`select l.year_failures,
          to_char(i.birth_date, 'YYYY') as birth_date
        from epro_link l left join subject_identity i on i.study_id = l.study_id
        where l.id = ${session.linkId} for update of l`.execute(trx)
    ).rows[0];
    if (!link) return 'locked';
    if (link.birth_date !== null && link.birth_date === year.trim()) {
      await sql`update epro_session set year_checked = true where id_hash = ${session.idHash}`.execute(trx);
      return 'ok';
    }
    const failures = link.year_failures + 1;
    const lock = failures >= YEAR_FAILURES_LOCK;
    await sql`update epro_link set year_failures = ${failures}, locked_at = ${lock ? now : null}
      where id = ${session.linkId}`.execute(trx);
    if (lock) {
      await appendAudit(trx, {
        at: now,
        actor: 'ePRO',
        action: 'epro.link.lock',
        siteId: session.siteId,
        entity: 'subject',
        entityId: session.studyId,
        after: { link: session.linkId, year_failures: failures, channel: 'ePRO' },
      });
    }
    return lock ? 'locked' : 'wrong';
  });
}

/** The patient's saved pages of this link: page → answers. */
export async function loadDrafts(
  deps: RegistryDeps,
  session: PatientSession,
): Promise<Record<string, Record<string, unknown>>> {
  const rows = await sql<{ page: string; answers: Record<string, unknown> }>`select page, answers
    from epro_draft where link_id = ${session.linkId}`.execute(deps.db);
  return Object.fromEntries(rows.rows.map((r) => [r.page, r.answers]));
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
  await sql`insert into epro_draft (link_id, page, answers, updated_at)
    values (${session.linkId}, ${page}, ${JSON.stringify(answers)}::jsonb, ${deps.clock()})
    on conflict (link_id, page) do update set answers = excluded.answers, updated_at = excluded.updated_at`.execute(
    deps.db,
  );
}

/** The actor patient answers are recorded as: the ePRO channel, scoped to the link's site. */
export function eproActor(siteId: string): Actor {
  // 'coordinator' only scopes the write to the link's site; the username names the channel.
  return { username: 'ePRO', role: 'coordinator', siteId };
}

/**
 * The final submit: each answered instrument is recorded as entered by the patient (actor `ePRO` in
 * the audit trail), a "new problem" becomes a pending adverse event candidate, and the link is
 * marked submitted. Instruments already recorded by an earlier, interrupted submit are skipped.
 */
export async function submitLink(deps: RegistryDeps, session: PatientSession): Promise<void> {
  if (session.submitted) return;
  if (session.closed) throw new RegistryError('INVALID_STATE', 'this questionnaire is closed');
  const drafts = await loadDrafts(deps, session);
  const actor = eproActor(session.siteId);
  for (const page of patientPages(deps, session.visit)) {
    const answers = drafts[page];
    if (page === PROBLEMS_PAGE || page === ANALGESIC_PAGE || !answers || Object.keys(answers).length === 0)
      continue;
    const existing = await deps.db
      .selectFrom('response')
      .select('id')
      .where('study_id', '=', session.studyId)
      .where('visit', '=', session.visit)
      .where('instrument', '=', page)
      .executeTakeFirst();
    if (existing) continue;
    await recordResponse(deps, actor, {
      studyId: session.studyId,
      visit: session.visit,
      instrument: page,
      answers,
      status: 'complete',
      enteredByKind: 'patient',
    });
  }
  const now = deps.clock();
  const problem = drafts[PROBLEMS_PAGE];
  await deps.db.transaction().execute(async (trx) => {
    const done = await sql`update epro_link set submitted_at = ${now}
      where id = ${session.linkId} and submitted_at is null`.execute(trx);
    if (Number(done.numAffectedRows ?? 0) === 0) return;
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
      after: { link: session.linkId, visit: session.visit, channel: 'ePRO', ae_candidate: candidate },
    });
  });
}

export interface PatientAnalgesics {
  visit: string;
  submittedAt: Date | null;
  none: boolean;
  /** Drug codes the patient takes, with the name they ticked and the stop date if stopped. */
  drugs: { key: string; name: string; drug: string; stoppedOn: string | null }[];
  /** What the patient could not place, for the site to review. */
  other: string;
}

/** The analgesics the patient reported on each link of the subject, for the site to review. */
export async function listPatientAnalgesics(
  deps: RegistryDeps,
  actor: Actor,
  studyId: string,
): Promise<PatientAnalgesics[]> {
  await listLinks(deps, actor, studyId); // the same access rule
  const rows = await sql<{ visit: string; submitted_at: Date | null; answers: Record<string, unknown> }>`
    select l.visit, l.submitted_at, d.answers from epro_draft d join epro_link l on l.id = d.link_id
    where l.study_id = ${studyId} and d.page = ${ANALGESIC_PAGE} order by l.id`.execute(deps.db);
  return rows.rows.map((r) => {
    const a = r.answers;
    const taking = Array.isArray(a.taking) ? a.taking.map(String) : [];
    const stopped = (a.stopped ?? {}) as Record<string, string>;
    return {
      visit: r.visit,
      submittedAt: r.submitted_at,
      none: a.none === true,
      drugs: taking.flatMap((key) => {
        const d = patientDrug(key);
        return d ? [{ key, name: d.name, drug: d.drug, stoppedOn: stopped[key] || null }] : [];
      }),
      other: typeof a.other === 'string' ? a.other : '',
    };
  });
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
