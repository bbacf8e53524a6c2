import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry } from '../../test/helpers/registry.js';
import { buildApp } from './app.js';

describe('the HTTP app', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  const logged: string[] = [];
  beforeAll(async () => {
    registry = await createTestRegistry();
  });
  afterAll(() => registry.destroy());

  test('answers health with the protocol it runs', async () => {
    const app = buildApp({ registry: registry.deps, log: (l) => logged.push(l) });
    const res = await app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      protocol: 'sacroplasty-sif',
      version: registry.deps.protocol.version,
    });
  });

  test('serves the landing page with the visit schedule and no patient data', async () => {
    const app = buildApp({ registry: registry.deps, log: (l) => logged.push(l) });
    const res = await app.request('/');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>SIF Registry</h1>');
    expect(html).toContain('Week 52');
  });

  test('a failure answers 500 with a request id and keeps the detail in the log only', async () => {
    const failing = {
      ...registry.deps,
      db: {
        selectFrom: () => {
          throw new Error('password=hunter2 at db');
        },
      },
    } as never;
    const app = buildApp({ registry: failing, log: (l) => logged.push(l) });
    const res = await app.request('/health');
    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
    expect(body.error.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(logged.some((l) => l.includes(body.error.request_id) && l.includes('hunter2'))).toBe(true);
  });
});
