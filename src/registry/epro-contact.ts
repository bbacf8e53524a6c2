import type { Kysely } from 'kysely';
import { z } from 'zod';
import { RegistryError } from '../errors.js';
import { appendAudit, type Database } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission, requireSite } from './context.js';
import { planEproMessages } from './epro-plan.js';
import { parseInput } from './parse-input.js';

/*
 * Each subject's ePRO contact (issue 9 §4): e-mail address, preferred channel and whether the
 * patient declined e-mail, kept with the identifiers (subject_identity) and shown to the subject's
 * own site only, with whether the last e-mail bounced.
 */

const CONTACT_INPUT = z
  .object({
    studyId: z.string().min(1, 'studyId is required'),
    /** Empty: no address on file. */
    email: z.union([z.literal(''), z.email({ message: 'email is not a valid address' })]),
    channel: z.enum(['email', 'phone', 'in_clinic'], {
      message: 'channel must be email, phone or in_clinic',
    }),
    /** The patient declined e-mail: nothing is mailed, messages wait for staff. */
    emailDeclined: z.boolean(),
  })
  .strict();

export type EproContactInput = z.input<typeof CONTACT_INPUT>;

export interface EproContact {
  email: string | null;
  channel: 'email' | 'phone' | 'in_clinic';
  emailDeclined: boolean;
  /** The newest e-mail to the patient was refused by the mail server (bounced), and when. */
  lastEmailBounced: Date | null;
}

/** The subject's site, for the staff of that site only (another site: not found). */
export async function siteOf(db: Kysely<Database>, actor: Actor, studyId: string): Promise<string> {
  const subject = await db
    .selectFrom('subject')
    .select('site_id')
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  if (!subject) throw new RegistryError('SUBJECT_NOT_FOUND', `subject ${studyId} not found`);
  requireSite(actor, 'response.write', subject.site_id, studyId);
  return subject.site_id;
}

/** A subject's ePRO contact, for the staff of the subject's own site only (another site: not found). */
export async function eproContact(deps: RegistryDeps, actor: Actor, studyId: string): Promise<EproContact> {
  requirePermission(actor, 'response.write');
  await siteOf(deps.db, actor, studyId);
  const row = await deps.db
    .selectFrom('subject_identity')
    .select(['email', 'contact_channel', 'email_declined_at'])
    .where('study_id', '=', studyId)
    .executeTakeFirst();
  const lastMail = await deps.db
    .selectFrom('epro_message')
    .select(['outcome', 'created_at'])
    .where('study_id', '=', studyId)
    .where('outcome', 'in', ['sent', 'bounced'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return {
    email: row?.email ?? null,
    channel: row?.contact_channel ?? 'email',
    emailDeclined: row?.email_declined_at != null,
    lastEmailBounced: lastMail?.outcome === 'bounced' ? lastMail.created_at : null,
  };
}

/**
 * Sets a subject's ePRO contact (own site staff): e-mail address, preferred channel, and whether the
 * patient declined e-mail; one transaction with its audit event (which names the fields, never the
 * address), and the subject's messages planned again.
 */
export async function setEproContact(
  deps: RegistryDeps,
  actor: Actor,
  input: EproContactInput,
): Promise<void> {
  requirePermission(actor, 'response.write');
  // Scope before validation: another site's subject is "not found" whatever the form holds.
  await siteOf(deps.db, actor, String(input.studyId));
  const c = parseInput(CONTACT_INPUT, input);
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const siteId = await siteOf(trx, actor, c.studyId);
    await trx
      .selectFrom('subject')
      .select('study_id')
      .where('study_id', '=', c.studyId)
      .forUpdate()
      .execute();
    const before = await trx
      .selectFrom('subject_identity')
      .select(['email', 'contact_channel', 'email_declined_at'])
      .where('study_id', '=', c.studyId)
      .executeTakeFirst();
    const email = c.email === '' ? null : c.email;
    const declinedAt = c.emailDeclined ? (before?.email_declined_at ?? now) : null;
    await trx
      .insertInto('subject_identity')
      .values({
        study_id: c.studyId,
        site_id: siteId,
        email,
        contact_channel: c.channel,
        email_declined_at: declinedAt,
      })
      .onConflict((oc) =>
        oc
          .column('study_id')
          .doUpdateSet({ email, contact_channel: c.channel, email_declined_at: declinedAt }),
      )
      .execute();
    await planEproMessages(trx, deps.protocol, now, [c.studyId]);
    await appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'subject.epro_contact',
      siteId,
      entity: 'subject',
      entityId: c.studyId,
      before: before
        ? {
            email_on_file: before.email !== null,
            channel: before.contact_channel ?? 'email',
            email_declined: before.email_declined_at !== null,
          }
        : null,
      after: { email_on_file: email !== null, channel: c.channel, email_declined: c.emailDeclined },
    });
  });
}
