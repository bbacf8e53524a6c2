import { sql } from 'kysely';
import { appendAudit } from '../store/index.js';
import type { RegistryDeps } from './context.js';
import { type PatientSession, YEAR_FAILURES_LOCK } from './epro-links.js';

/*
 * The optional year-of-birth check of a site's ePRO links (docs/epro.md): a guard against a link
 * sent to the wrong person, not authentication.
 */

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
