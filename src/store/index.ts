// The registry's PostgreSQL: starting it (embedded or DATABASE_URL), the typed schema and its
// migrations, the hash-chained audit trail, consistent backup and restore, and the extraction of
// the study cohort on one snapshot.
export {
  AUDIT_CHAIN_LOCK,
  AUDITED_TABLES,
  type AuditInput,
  type AuditSource,
  appendAudit,
  appendAuditBatch,
  appendAuditStream,
} from './audit.js';
export { verifyRegistryAudit } from './audit-check.js';
export { canonicalJson, GENESIS_HASH, hashAuditEvent, normaliseJson } from './audit-hash.js';
export {
  type AuditHead,
  type AuditVerification,
  checkAuditedRows,
  formatAuditHead,
  parseAuditHead,
  readAuditHead,
  verifyAudit,
} from './audit-verify.js';
export {
  type BackupOptions,
  type BackupProgress,
  type BackupSummary,
  backupDatabase,
} from './backup/backup.js';
export { type BackupKey, loadBackupKey } from './backup/backup-key.js';
export { restoreDatabase } from './backup/restore.js';
export { extractCohort } from './extract/extract-cohort.js';
export { appliedMigrations, MIGRATIONS, migrateToLatest } from './migrate.js';
export { inOneTransaction } from './one-transaction.js';
export {
  createKysely,
  createPool,
  isConnectionLost,
  REGISTRY_TYPES,
  redactSecrets,
  redactUrl,
} from './pg-connection.js';
export { type Pipeline, type PipelineStep, type StepRows, sendPipelined } from './pipelined.js';
export { appRoleUrl, grantAppRole, migrateWithLeastPrivilege } from './roles.js';
export type * from './schema.js';
export {
  QUERY_STATUS_VALUES,
  RESPONSE_STATUS_VALUES,
  ROLE_VALUES,
  SUBJECT_STATUS_VALUES,
  VISIT_MODE_VALUES,
  type VisitMode,
} from './schema.js';
export {
  type DatabaseHandle,
  embeddedRegistryExists,
  type OpenDatabaseOptions,
  openDatabase,
} from './supervisor/database.js';
export { installShutdownHandlers, type ShutdownHandlers } from './supervisor/shutdown.js';
