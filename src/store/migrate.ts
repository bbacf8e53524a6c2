import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { RegistryError } from '../errors.js';
import * as initial from './migrations/0001-initial.js';
import * as rowAudit from './migrations/0002-row-audit.js';
import * as visit from './migrations/0003-visit.js';
import * as fasterRowHash from './migrations/0004-faster-row-hash.js';
import * as clinicalWorkflow from './migrations/0005-clinical-workflow.js';
import * as subjectProgress from './migrations/0006-subject-progress.js';
import * as missingDataCodes from './migrations/0007-missing-data-codes.js';
import * as webSessions from './migrations/0010-web-sessions.js';
import * as eproLinks from './migrations/0012-epro-links.js';
import * as eproInvitations from './migrations/0013-epro-invitations.js';
import * as unsignedWorklistOrder from './migrations/0014-unsigned-worklist-order.js';
import * as progressByIndex from './migrations/0015-subject-progress-by-index.js';
import * as webSessionLocked from './migrations/0016-web-session-locked.js';
import * as eproJobSubject from './migrations/0017-epro-job-subject.js';
import * as siteText from './migrations/0018-site-text.js';
import * as careTally from './migrations/0019-care-tally.js';
import * as cohortForm from './migrations/0020-cohort-form.js';
import * as importServerWork from './migrations/0021-import-server-work.js';
import * as inlineRowHash from './migrations/0022-inline-row-hash.js';
import * as auditRowBrin from './migrations/0023-audit-row-brin.js';
import * as responseSiteIndex from './migrations/0024-response-site-index.js';
import * as hexChecks from './migrations/0025-hex-checks.js';
import * as auditPendingUnlogged from './migrations/0026-audit-pending-unlogged.js';
import { redactSecrets } from './pg-connection.js';

/** Every migration, in order; names sort the way they run. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001-initial': initial,
  '0002-row-audit': rowAudit,
  '0003-visit': visit,
  '0004-faster-row-hash': fasterRowHash,
  '0006-subject-progress': subjectProgress,
  '0007-missing-data-codes': missingDataCodes,
  '0005-clinical-workflow': clinicalWorkflow,
  '0010-web-sessions': webSessions,
  '0012-epro-links': eproLinks,
  '0013-epro-invitations': eproInvitations,
  '0014-unsigned-worklist-order': unsignedWorklistOrder,
  '0015-subject-progress-by-index': progressByIndex,
  '0016-web-session-locked': webSessionLocked,
  '0017-epro-job-subject': eproJobSubject,
  '0018-site-text': siteText,
  '0019-care-tally': careTally,
  '0020-cohort-form': cohortForm,
  '0021-import-server-work': importServerWork,
  '0022-inline-row-hash': inlineRowHash,
  '0023-audit-row-brin': auditRowBrin,
  '0024-response-site-index': responseSiteIndex,
  '0025-hex-checks': hexChecks,
  '0026-audit-pending-unlogged': auditPendingUnlogged,
};

const PROVIDER: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Brings the schema to the latest migration (all pending ones in one transaction; Kysely's lock
 * table serialises concurrent migrators). Failure names the migration, never a password.
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  // A migration numbered below one already applied (written in parallel, merged later) still runs:
  // each migration depends only on those numbered below it, never on those above.
  const migrator = new Migrator({ db, provider: PROVIDER, allowUnorderedMigrations: true });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    const detail = redactSecrets(error instanceof Error ? error.message : String(error));
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      failed ? `migration ${failed} failed: ${detail}` : `migrations could not run: ${detail}`,
    );
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations applied to this database, in order (empty before the first). */
export async function appliedMigrations(db: Kysely<unknown>): Promise<string[]> {
  const exists = await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(
    db,
  );
  if (!exists.rows[0]?.t) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.rows.map((r) => r.name);
}
