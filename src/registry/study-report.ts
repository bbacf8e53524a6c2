import { analyseStudy, type StudyReport } from '../analysis/study/index.js';
import { RegistryError } from '../errors.js';
import { appendAudit, extractCohort } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { requireScope } from './scope.js';

/**
 * Runs the study report across all sites (monitors, statisticians, the system: scope.ts) and renders it;
 * the report, like every export, is an audit event once it has been rendered.
 */
export async function studyReport<T>(
  deps: RegistryDeps,
  actor: Actor,
  format: string,
  render: (report: StudyReport) => T | Promise<T>,
): Promise<{ report: StudyReport; body: T }> {
  // The report covers every site, so it needs a scope of every site, never a partial one.
  if (requireScope(actor, 'report.generate').kind !== 'all') {
    throw new RegistryError('FORBIDDEN', `role ${actor.role} may not run the cross-site study report`);
  }
  const now = deps.clock();
  // One snapshot of the registry, then the pure analysis.
  const cohort = await extractCohort(deps.db, deps.protocol, now.toISOString().slice(0, 10));
  const report = analyseStudy(cohort, now.toISOString());
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
