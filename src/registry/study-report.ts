import { buildStudyReport } from '../reports/study-report.js';
import type { StudyReport } from '../reports/types.js';
import { appendAudit } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';

/**
 * Runs the study report across all sites (monitors, statisticians, the system) and renders it;
 * the report, like every export, is an audit event once it has been rendered.
 */
export async function studyReport<T>(
  deps: RegistryDeps,
  actor: Actor,
  format: string,
  render: (report: StudyReport) => T | Promise<T>,
): Promise<{ report: StudyReport; body: T }> {
  requirePermission(actor, 'data.read_all');
  const now = deps.clock();
  const report = await buildStudyReport(deps.db, deps.protocol, now);
  const body = await render(report);
  await deps.db.transaction().execute((trx) =>
    appendAudit(trx, {
      at: now,
      actor: actor.username,
      action: 'report.generate',
      siteId: null,
      entity: 'report',
      entityId: format,
      after: { format, subjects: report.meta.n_subjects },
    }),
  );
  return { report, body };
}
