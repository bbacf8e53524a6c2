import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb } from '../../../test/helpers/web.js';
import { eproJobHandlers, planEproMessages } from '../../registry/epro-invitations.js';
import { type Actor, enrolSubject, recordResponse } from '../../registry/index.js';
import { runDueJobs } from '../../registry/jobs.js';

const VCU_COORDINATOR: Actor = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' };

describe('ePRO staff pages: contact, outbox and send log, the closing worklist', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let vcu: string;
  beforeAll(async () => {
    web = await createTestWeb('2026-03-02T09:00:00.000Z');
    const deps = web.registry.deps;
    // Treated on 16 February: week 2's window (27 Feb – 5 Mar) is open on 2 March.
    ({ studyId: vcu } = await enrolSubject(deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { consent_date: '2026-02-10', index_date: '2026-02-16' },
    }));
    await recordResponse(deps, VCU_COORDINATOR, {
      studyId: vcu,
      visit: 'procedure',
      instrument: 'procedure',
      answers: { procedure_date: '2026-02-16', sides: 'bilateral' },
    });
  });
  afterAll(() => web.destroy());

  test('the contact page: own site reads and saves it, a bad address is told, another site gets not found', async () => {
    const cora = await web.as('cora.vcu');
    const page = `/subjects/${vcu}/epro/contact`;
    expect((await cora.get(page)).status).toBe(200);
    const bad = await cora.post(page, { email: 'nope', channel: 'email' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('email is not a valid address');
    const ok = await cora.post(page, { email: 'p@example.org', channel: 'email', emailDeclined: 'yes' });
    expect(ok.status).toBe(303);
    const html = await (await cora.get(page)).text();
    expect(html).toContain('value="p@example.org"');
    const cole = await web.as('cole.apmss');
    expect((await cole.get(page)).status).toBe(404);
  });

  test('without SMTP the invitation waits in the outbox; staff mark it sent by hand; the log shows it', async () => {
    const deps = web.registry.deps;
    const now = new Date('2026-03-02T09:00:00.000Z');
    await planEproMessages(deps.db, deps.protocol, now, [vcu]);
    const handlers = eproJobHandlers({
      protocol: deps.protocol,
      links: { state: async () => 'none', issue: async () => ({ token: 'x'.repeat(43), audit: null }) },
      appOrigin: 'http://localhost',
      sendMail: null,
    });
    await runDueJobs({ db: deps.db, clock: () => now, worker: 't:1', handlers });
    const cora = await web.as('cora.vcu');
    const html = await (await cora.get('/epro/outbox')).text();
    expect(html).toContain('Mark sent by hand');
    expect(html).toContain(vcu);
    // The invitation and the +3 d reminder (both due by 2 March) wait.
    const ids = [...html.matchAll(/\/epro\/outbox\/(\d+)\/sent/g)].map((m) => m[1]!);
    expect(ids).toHaveLength(2);
    for (const i of ids) expect((await cora.post(`/epro/outbox/${i}/sent`)).status).toBe(303);
    const id = ids[0]!;
    const after = await (await cora.get('/epro/outbox')).text();
    expect(after).toContain('No message is waiting.');
    expect(after).toContain('sent by hand');
    const again = await cora.post(`/epro/outbox/${id}/sent`);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain(`message ${id} is not waiting in the outbox`);
    // Another site's staff see none of it; the monitor has no outbox.
    const cole = await web.as('cole.apmss');
    expect(await (await cole.get('/epro/outbox')).text()).not.toContain(vcu);
    expect((await (await web.as('mona.monitor')).get('/epro/outbox')).status).toBe(403);
  });

  test("the worklists index lists 'ePRO not answered, window closing' with its page", async () => {
    web.registry.setTime('2026-03-04T09:00:00.000Z');
    const cora = await web.as('cora.vcu');
    expect(await (await cora.get('/worklists')).text()).toContain('ePRO not answered, window closing');
    const html = await (await cora.get('/worklists/epro-closing')).text();
    expect(html).toContain(vcu);
  });
});
