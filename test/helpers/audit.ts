import { SACROPLASTY_SIF } from '../../src/protocol/index.js';
import { SYSTEM_ACTOR } from '../../src/registry/context.js';
import { loadDemo } from '../../src/registry/demo.js';
import type { RegistryDeps } from '../../src/registry/index.js';
import { seededRandom } from '../../src/registry/random.js';
import { appendAudit } from '../../src/store/audit.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/*
 * Audit trail tests: a registry written through the use cases, and the audit event a change made
 * by hand (as a database administrator would) comes with.
 */

/** A fresh database holding a demo registry loaded through the use cases, as the application role. */
export async function createDemoDatabase(subjects: number, now: Date): Promise<TestDatabase> {
  const d = await createTestDatabase();
  const deps: RegistryDeps = {
    db: d.app!,
    clock: () => new Date(now),
    random: seededRandom(7),
    protocol: SACROPLASTY_SIF,
  };
  await loadDemo(deps, SYSTEM_ACTOR, { subjects, seed: 3 });
  return d;
}

/** Appends the audit event of an amendment of response 1 at VCU by its coordinator. */
export function auditResponseAmend(db: Parameters<typeof appendAudit>[0], at: Date) {
  return appendAudit(db, {
    at,
    actor: 'cora.vcu',
    action: 'response.amend',
    siteId: 'VCU',
    entity: 'response',
    entityId: '1',
    reason: 'test',
  });
}
