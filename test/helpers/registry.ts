import { SACROPLASTY_SIF } from '../../src/protocol/index.js';
import type { Actor, RegistryDeps } from '../../src/registry/index.js';
import { seededRandom } from '../../src/registry/random.js';
import { createTestDatabase } from './database.js';

/** A fresh registry on its own database, with a fixed clock that tests can move. */
export async function createTestRegistry(now = '2026-03-02T09:00:00.000Z') {
  const database = await createTestDatabase();
  let time = new Date(now);
  const deps: RegistryDeps = {
    db: database.db,
    clock: () => new Date(time),
    random: seededRandom(42),
    protocol: SACROPLASTY_SIF,
  };
  return {
    deps,
    url: database.url,
    setTime(iso: string) {
      time = new Date(iso);
    },
    destroy: () => database.destroy(),
  };
}

export const ADMIN: Actor = { username: 'ada.admin', role: 'admin', siteId: null };
export const VCU_COORDINATOR: Actor = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' };
export const VCU_INVESTIGATOR: Actor = { username: 'ivan.vcu', role: 'investigator', siteId: 'VCU' };
export const APMSS_COORDINATOR: Actor = { username: 'cole.apmss', role: 'coordinator', siteId: 'APMSS' };
export const MONITOR: Actor = { username: 'mona.monitor', role: 'monitor', siteId: null };

/** The error a use case failed with; fails the test when it did not fail. */
export async function rejects(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; issues: { path: unknown[]; message: string }[] };
  }
  throw new Error('expected the use case to fail');
}
