import type { Actor, RegistryDeps } from '../context.js';
import { sdvStatus } from '../sdv.js';
import type { VisitCell } from './visit-cells.js';

/**
 * Fills the SDV status of the cells of some subjects (a page of the grid) from sdv.ts: `verified`
 * when every entered form of the visit is verified, `none` when none is (or every mark went stale),
 * `partial` otherwise. Cells without an entered form keep null.
 */
export async function addSdv(
  deps: RegistryDeps,
  actor: Actor,
  rows: readonly { studyId: string; cells: VisitCell[] }[],
): Promise<void> {
  if (rows.length === 0) return;
  const ids = rows.map((r) => r.studyId);
  const [forms, marked] = await Promise.all([
    deps.db
      .selectFrom('response')
      .select(['id', 'study_id', 'visit'])
      .where('study_id', 'in', ids)
      .where('status', '!=', 'draft')
      .execute(),
    deps.db.selectFrom('sdv').select('response_id').distinct().where('study_id', 'in', ids).execute(),
  ]);
  // sdv.ts decides the status of the forms with a mark; a form never marked is not verified.
  const status = await sdvStatus(
    deps,
    actor,
    marked.map((m) => m.response_id),
  );
  const byVisit = new Map<string, string[]>();
  for (const f of forms) {
    const key = `${f.study_id}\u0000${f.visit}`;
    const list = byVisit.get(key) ?? [];
    list.push(status.get(f.id)?.status ?? 'not verified');
    byVisit.set(key, list);
  }
  for (const r of rows) {
    for (const c of r.cells) {
      const list = byVisit.get(`${r.studyId}\u0000${c.visit}`);
      if (!list) continue;
      const verified = list.filter((s) => s === 'verified').length;
      const some = list.some((s) => s === 'verified' || s === 'partial');
      c.sdv = verified === list.length ? 'verified' : some ? 'partial' : 'none';
    }
  }
}
