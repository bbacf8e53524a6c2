import type { AppDeps } from '../deps.js';
import type { RouteTable } from '../router.js';
import { auditRoutes } from './audit-routes.js';
import { batchReviewRoutes } from './batch-review.js';
import { formReviewRoutes } from './form-review.js';
import { queryRoutes } from './query-routes.js';

/*
 * The clinical workflow's pages (issue 8 §3.8–3.11, docs/workflow.md): queries and their threads,
 * a form's review (signatures, SDV, queries; sign with the password, lock and unlock with a reason,
 * mark SDV, raise a query), one visit across subjects (bulk sign, lock, SDV), and the audit trail
 * viewer with its CSV export. Every step is a use case of src/registry, which checks role and site.
 */

/** The clinical workflow's routes (docs/web.md, docs/workflow.md). */
export function workflowRoutes(routes: RouteTable, deps: AppDeps): void {
  queryRoutes(routes, deps);
  formReviewRoutes(routes, deps);
  batchReviewRoutes(routes, deps);
  auditRoutes(routes, deps);
}
