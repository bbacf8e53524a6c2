import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/store/supervisor/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL URL whose role may CREATE DATABASE (test/helpers/database.ts makes one per test file). */
    pgAdminUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: DATABASE_URL when set (CI's second pass on Debian's
 * PostgreSQL 15), else an embedded server in a temporary directory, stopped at the end.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.DATABASE_URL;
  if (external) {
    share(project, external);
    return undefined;
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'sifreg-test-pg-'));
  const handle = await openDatabase({ dataDir, migrate: false });
  share(project, handle.url);
  return async () => {
    await handle.close();
    await rm(dataDir, { recursive: true, force: true });
  };
}

function share(project: TestProject, url: string): void {
  project.provide('pgAdminUrl', url);
  process.env.SIFREG_TEST_PG_URL = url;
}
