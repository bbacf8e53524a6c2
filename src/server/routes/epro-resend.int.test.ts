import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb } from '../../../test/helpers/web.js';
import { eproJobHandlers, planEproMessages, setEproContact } from '../../registry/epro-invitations.js';
import { MailBounced } from '../../registry/epro-mailer.js';
import { type Actor, enrolSubject } from '../../registry/index.js';
import { runDueJobs } from '../../registry/jobs.js';

const VCU_COORDINATOR: Actor = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' };

describe("ePRO staff page: every invitation's status, resend, and a bounce on the contact page", () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let vcu: string;
  const now = new Date('2026-03-02T09:00:00.000Z');
  beforeAll(async () => {
    web = await createTestWeb(now.toISOString());
    const deps = web.registry.deps;
    // Index 16 February: week 2's window (27 Feb – 5 Mar) is open on 2 March.
    ({ studyId: vcu } = await enrolSubject(deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { consent_date: '2026-02-10', index_date: '2026-02-16' },
    }));
    await setEproContact(deps, VCU_COORDINATOR, {
      studyId: vcu,
      email: 'p@example.org',
      channel: 'email',
      emailDeclined: false,
    });
  });
  afterAll(() => web.destroy());

  const run = (sendMail: () => Promise<void>) => {
    const deps = web.registry.deps;
    return runDueJobs({
      db: deps.db,
      clock: () => now,
      worker: 't:1',
      handlers: eproJobHandlers({
        protocol: deps.protocol,
        links: { state: async () => 'none', issue: async () => ({ token: 'x'.repeat(43), audit: null }) },
        appOrigin: 'http://localhost',
        sendMail,
      }),
    });
  };

  test('a bounced invitation: its status on the ePRO page, "last e-mail bounced" on the contact page', async () => {
    const deps = web.registry.deps;
    await planEproMessages(deps.db, deps.protocol, now, [vcu]);
    const cora = await web.as('cora.vcu');
    let html = await (await cora.get(`/subjects/${vcu}/epro`)).text();
    expect(html).toContain('Invitations and reminders');
    expect(html).toMatch(/Invitation<\/td><td>[^<]*<\/td><td>–<\/td><td>queued/);
    expect(await (await cora.get(`/subjects/${vcu}/epro/contact`)).text()).not.toContain(
      'Last e-mail bounced',
    );
    await run(async () => {
      throw new MailBounced(550);
    });
    html = await (await cora.get(`/subjects/${vcu}/epro`)).text();
    expect(html).toContain('bounced: the mail server refused the address (550)');
    // The send log says it too.
    expect(await (await cora.get('/epro/outbox')).text()).toContain(
      'bounced: the mail server refused the address (550)',
    );
    const contact = await (await cora.get(`/subjects/${vcu}/epro/contact`)).text();
    expect(contact).toContain('Last e-mail bounced (2026-03-02)');
  });

  test('resend: the button queues the invitation again (redirect, notice, status queued); a refusal is one line', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.post(`/subjects/${vcu}/epro/resend`, { visit: 'week2' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/subjects/${vcu}/epro?resent=week2`);
    let html = await (await cora.get(res.headers.get('location')!)).text();
    expect(html).toContain('The week2 invitation goes out again with a new link');
    expect(html).toMatch(/Invitation \(sent again\)<\/td><td>[^<]*<\/td><td>–<\/td><td>queued/);
    const sent: string[] = [];
    await run(async () => {
      sent.push('mail');
    });
    expect(sent).toHaveLength(1);
    html = await (await cora.get(`/subjects/${vcu}/epro`)).text();
    expect(html).toMatch(/Invitation \(sent again\)<\/td><td>[^<]*<\/td><td>[^<]*<\/td><td>sent/);
    const refused = await cora.post(`/subjects/${vcu}/epro/resend`, { visit: 'week52' });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain(`${vcu} week52 cannot be resent: window not open yet`);
    const cole = await web.as('cole.apmss');
    expect((await cole.post(`/subjects/${vcu}/epro/resend`, { visit: 'week2' })).status).toBe(404);
  });
});
