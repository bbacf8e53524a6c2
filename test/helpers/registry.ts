import { type Kysely, sql } from 'kysely';
import { SACROPLASTY_SIF } from '../../src/protocol/index.js';
import {
  type Actor,
  createSite,
  enrolSubject,
  exportTidy,
  loadDemo,
  type RegistryDeps,
  SYSTEM_ACTOR,
} from '../../src/registry/index.js';
import { seededRandom } from '../../src/registry/random.js';
import type { Database } from '../../src/store/index.js';
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

/** A fresh registry at `now` holding the synthetic demo data (loadDemo) of that many subjects. */
export async function createDemoRegistry(now: string, demo: { subjects: number; seed: number }) {
  const registry = await createTestRegistry(now);
  await loadDemo(registry.deps, SYSTEM_ACTOR, demo);
  return registry;
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

export type TestRegistry = Awaited<ReturnType<typeof createTestRegistry>>;

/** A fresh registry with site VCU and one subject its coordinator enrolled with these answers. */
export async function createRegistryWithSubject(answers: Record<string, unknown>, now?: string) {
  const r = await createTestRegistry(now);
  await createSite(r.deps, ADMIN, { id: 'VCU', name: 'Virginia Commonwealth University' });
  const { studyId } = await enrolSubject(r.deps, VCU_COORDINATOR, { siteId: 'VCU', answers });
  return { r, studyId };
}

/** How many rows the table holds. */
export async function countRows(db: Kysely<Database>, table: keyof Database & string): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]!.n);
}

/** How many subjects, responses, audit events and sites the registry holds. */
export async function registryCounts(r: TestRegistry) {
  return {
    subjects: await countRows(r.deps.db, 'subject'),
    responses: await countRows(r.deps.db, 'response'),
    audit: await countRows(r.deps.db, 'audit_event'),
    sites: await countRows(r.deps.db, 'site'),
  };
}

/** The tidy export of the registry as one text, as the actor reads it. */
export async function exportText(r: TestRegistry, actor: Actor = SYSTEM_ACTOR): Promise<string> {
  let text = '';
  await exportTidy(r.deps, actor, (chunk) => {
    text += chunk;
  });
  return text;
}
