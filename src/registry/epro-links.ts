import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { DEFAULT_EPRO, getVisit } from '../protocol/index.js';
import { visitWindow } from '../schedule/index.js';
import { type AuditInput, appendAudit, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { type PatientTexts, SITE_TEXT_COLUMNS, SITE_TEXT_JOINS } from './site-text.js';
import { isTerminal } from './subject-state.js';

/*
 * Patient ePRO links (issue 9 §1): tokens, the patient's session, the year-of-birth guard. Drafts
 * and the submit are in epro-submit.ts, the staff lists and decisions in epro-review.ts.
 * A link is one subject x visit. The patient's browser holds a token
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
 * The analgesics page (epro-analgesics.ts): the medicines of the latest earlier visit carried
 * forward (still taken, stopped on a date, taken differently), new ones picked from common names and
 * strengths, "None", and free text for what the patient cannot place. At submit each placed medicine
 * becomes an analgesic form; nothing is guessed.
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
export function patientPages(deps: Pick<RegistryDeps, 'protocol'>, visit: string): string[] {
  const instruments = getVisit(deps.protocol, visit).instruments;
  const pages: string[] = PATIENT_INSTRUMENTS.filter((i) => instruments.includes(i));
  if (pages.length === 0) return [];
  if (instruments.includes('analgesic')) pages.push(ANALGESIC_PAGE);
  if (instruments.includes('adverse_event')) pages.push(PROBLEMS_PAGE);
  return pages;
}

const DAY_MS = 86_400_000;

export async function subjectForLink(trx: Transaction<Database>, actor: Actor, studyId: string) {
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
  return deps.db.transaction().execute(async (trx) => {
    const { link, audit } = await createLinkIn(deps, trx, actor, input);
    await appendAudit(trx, audit);
    return link;
  });
}

/**
 * createLink inside the caller's transaction (the invitation job, which mails the link before it
 * appends the audit event, so the chain's lock is not held during SMTP): the new link and its audit
 * event, for the caller to append. `validUntil` shortens the link's validity (never lengthens it).
 */
export async function createLinkIn(
  deps: Pick<RegistryDeps, 'clock' | 'protocol'>,
  trx: Transaction<Database>,
  actor: Actor,
  input: { studyId: string; visit: string; validUntil?: Date },
): Promise<{ link: CreatedLink; audit: AuditInput }> {
  requirePermission(actor, 'response.write');
  const now = deps.clock();
  const token = randomBytes(32).toString('base64url');
  // The subject first: another site's subject is not found, whatever the visit.
  const subject = await subjectForLink(trx, actor, input.studyId);
  const visit = getVisit(deps.protocol, input.visit);
  if (patientPages(deps, visit.code).length === 0) {
    throw new RegistryError('INVALID_STATE', `visit ${visit.code} has no questionnaire a patient answers`);
  }
  // Follow-up happens after the procedure: an enrolled or treated subject gets links, one who left does not.
  if (isTerminal(subject.status)) {
    throw new RegistryError('INVALID_STATE', `subject ${input.studyId} has left the study; no link is made`);
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
  const validTo = new Date(
    Math.min(closes.getTime(), validFrom.getTime() + lifetime, input.validUntil?.getTime() ?? Infinity),
  );
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
  const audit: AuditInput = {
    at: now,
    actor: actor.username,
    action: revoked.length > 0 ? 'epro.link.regenerate' : 'epro.link.create',
    siteId: subject.site_id,
    entity: 'subject',
    entityId: input.studyId,
    after: { link: id, visit: visit.code, valid_from: validFrom, valid_to: validTo, revoked },
  };
  return { link: { id, studyId: input.studyId, visit: visit.code, validFrom, validTo, token }, audit };
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

/** A link that cannot open says so in its site's language (the texts), once the token is known to be valid. */
export type OpenResult =
  | { kind: 'opened'; session: string }
  | { kind: 'unknown' }
  | { kind: 'limited' }
  | { kind: 'not_yet'; from: Date; texts: PatientTexts }
  | { kind: 'expired'; texts: PatientTexts }
  | { kind: 'revoked'; texts: PatientTexts }
  | { kind: 'locked'; texts: PatientTexts };

/** Invalid tokens from this address in the last 15 minutes. */
async function failuresFrom(
  db: Kysely<Database> | Transaction<Database>,
  ip: string,
  now: Date,
): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from epro_token_failure
    where ip = ${ip} and at > ${new Date(now.getTime() - TOKEN_FAILURE_WINDOW_MS)}`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

/**
 * Counts one invalid token from the address, or says it is over the limit. One address's guesses
 * are counted one at a time (a burst sent at once cannot all pass the count), and rows older than
 * the window, which no longer matter, are purged so the table stays small.
 */
async function countGuess(deps: RegistryDeps, ip: string, now: Date): Promise<'counted' | 'limited'> {
  return deps.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`epro-token-guess:${ip}`}))`.execute(trx);
    await sql`delete from epro_token_failure
      where at <= ${new Date(now.getTime() - TOKEN_FAILURE_WINDOW_MS)}`.execute(trx);
    if ((await failuresFrom(trx, ip, now)) >= TOKEN_FAILURES_ALLOWED) return 'limited';
    await sql`insert into epro_token_failure (ip, at) values (${ip}, ${now})`.execute(trx);
    return 'counted';
  });
}

/**
 * Exchanges a link token for a patient session (first and every later use of the link). An address
 * that sent 10 invalid tokens in 15 minutes is refused before its token is even looked up. A
 * submitted link still opens: its pages are the read-only thank-you.
 */
export async function openLink(deps: RegistryDeps, token: string, ip: string): Promise<OpenResult> {
  const now = deps.clock();
  if ((await failuresFrom(deps.db, ip, now)) >= TOKEN_FAILURES_ALLOWED) return { kind: 'limited' };
  const link = TOKEN_SHAPE.test(token)
    ? (
        await sql<
          {
            id: string;
            site_id: string;
            study_id: string;
            valid_from: Date;
            valid_to: Date;
            revoked_at: Date | null;
            submitted_at: Date | null;
            locked_at: Date | null;
          } & PatientTexts
        >`select l.id, l.site_id, l.study_id, l.valid_from, l.valid_to, l.revoked_at,
             l.submitted_at, l.locked_at, ${SITE_TEXT_COLUMNS}
           from epro_link l ${SITE_TEXT_JOINS} where l.hash = ${tokenHash(token)}`.execute(deps.db)
      ).rows[0]
    : undefined;
  if (!link) return { kind: (await countGuess(deps, ip, now)) === 'limited' ? 'limited' : 'unknown' };
  const texts = { language: link.language, catalog: link.catalog, odi: link.odi };
  if (link.revoked_at) return { kind: 'revoked', texts };
  if (link.locked_at) return { kind: 'locked', texts };
  if (!link.submitted_at) {
    if (now < link.valid_from) return { kind: 'not_yet', from: link.valid_from, texts };
    if (now >= link.valid_to) return { kind: 'expired', texts };
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
  /** The site's language and the texts it installed in it (site-text.ts), read with the session. */
  texts: PatientTexts;
}

/** "Leave": the patient session ends on the server too, so the cookie is worth nothing if it was copied. */
export async function endPatientSession(deps: RegistryDeps, token: string): Promise<void> {
  if (!TOKEN_SHAPE.test(token)) return;
  await sql`delete from epro_session where id_hash = ${tokenHash(token)}`.execute(deps.db);
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
      language: string;
      catalog: unknown;
      odi: unknown;
    }>`select l.id as link_id, l.study_id, l.site_id, l.visit, l.submitted_at, l.revoked_at, l.locked_at,
         l.valid_to, s.year_checked, site.epro_year_check as year_check,
         ${SITE_TEXT_COLUMNS}
       from epro_session s join epro_link l on l.id = s.link_id ${SITE_TEXT_JOINS}
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
    texts: { language: row.language, catalog: row.catalog, odi: row.odi },
  };
}
