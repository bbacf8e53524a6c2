import { RegistryError } from '../../errors.js';
import { auditTrail, exportAuditCsv } from '../../registry/index.js';
import { formIssues } from '../../web/admin/form.js';
import { AuditPage } from '../../web/workflow/audit-page.js';
import type { AppDeps } from '../deps.js';
import { renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';
import { streamed } from './reports.js';
import { AUDITORS, type Ctx, intOf } from './workflow-steps.js';

/* The audit trail viewer and its CSV export (issue 8 §3.11, 21 CFR Part 11 §11.10(e)). */

const AUDIT_FIELDS = ['subject', 'user', 'from', 'to', 'action'] as const;

function auditFilter(c: Ctx) {
  const filter = Object.fromEntries(AUDIT_FIELDS.map((f) => [f, (c.req.query(f) ?? '').trim()])) as Record<
    (typeof AUDIT_FIELDS)[number],
    string
  >;
  const given = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== ''));
  return { filter, given };
}

/** The audit trail's page and CSV (docs/workflow.md). */
export function auditRoutes(routes: RouteTable, deps: AppDeps): void {
  routes.get('/audit', AUDITORS, async (c) => {
    const actor = userOf(c).actor;
    const { filter, given } = auditFilter(c);
    const before = intOf(c.req.query('before') ?? '');
    const query = new URLSearchParams(given).toString();
    try {
      const page = await auditTrail(deps.registry, actor, {
        ...given,
        ...(Number.isSafeInteger(before) ? { before } : {}),
      });
      const next = page.next
        ? `/audit?${new URLSearchParams({ ...given, before: String(page.next) })}`
        : null;
      return renderPage(
        c,
        'Audit trail',
        <AuditPage
          filter={filter}
          entries={page.entries}
          next={next}
          csv={`/audit.csv${query ? `?${query}` : ''}`}
          issues={undefined}
        />,
      );
    } catch (error) {
      if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED') throw error;
      return renderPage(
        c,
        'Audit trail',
        <AuditPage
          filter={filter}
          entries={[]}
          next={null}
          csv="/audit.csv"
          issues={formIssues(error.issues, AUDIT_FIELDS)}
        />,
        422,
      );
    }
  });

  routes.get('/audit.csv', AUDITORS, (c) => {
    const actor = userOf(c).actor;
    const { given } = auditFilter(c);
    return streamed(
      deps,
      c,
      {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="audit-${deps.registry.clock().toISOString().slice(0, 10)}.csv"`,
      },
      (write) => exportAuditCsv(deps.registry, actor, given, write),
    );
  });
}
