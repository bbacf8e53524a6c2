import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb, STAFF_PASSWORD, type WebClient } from '../../../test/helpers/web.js';
import { type Actor, enrolSubject, recordResponse } from '../../registry/index.js';

type TestWeb = Awaited<ReturnType<typeof createTestWeb>>;

const CORA: Actor = { username: 'cora.vcu', role: 'coordinator', siteId: 'VCU' };

const text = async (res: Response) => (await res.text()).replace(/\s+/g, ' ');

describe('the workflow pages: the monitor queries, VCU answers, the investigator signs and locks', () => {
  let web: TestWeb;
  let monitor: WebClient;
  let cora: WebClient;
  let ivan: WebClient;
  let cole: WebClient;
  let responseId: number;
  let queryId: number;
  beforeAll(async () => {
    web = await createTestWeb('2026-03-02T09:00:00.000Z');
    const deps = web.registry.deps;
    await enrolSubject(deps, CORA, {
      siteId: 'VCU',
      answers: { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' },
    });
    web.registry.setTime('2026-03-20T09:00:00.000Z');
    const pain = await recordResponse(deps, CORA, {
      studyId: 'VCU-0001',
      visit: 'week2',
      instrument: 'pain',
      answers: { scale: 'nrs', score: 8 },
    });
    responseId = pain.id;
    monitor = await web.as('mona.monitor');
    cora = await web.as('cora.vcu');
    ivan = await web.as('ivan.vcu');
    cole = await web.as('cole.apmss');
  });
  afterAll(() => web.destroy());

  test('the monitor raises a query from the review page; an empty text is shown beside its field', async () => {
    const page = await text(await monitor.get(`/forms/${responseId}`));
    expect(page).toContain('Raise a query');
    expect(page).not.toContain('Your password');
    // The visit by its label from the study definition, not its code.
    expect(page).toMatch(/visits\/week2">Week 2<\/a>/);
    const empty = await monitor.post(`/forms/${responseId}/queries`, { item: 'score', text: '' });
    expect(empty.status).toBe(422);
    const body = await text(empty);
    expect(body).toContain('href="#raise-text"');
    expect(body).toContain('aria-invalid="true"');
    const raised = await monitor.post(`/forms/${responseId}/queries`, {
      item: 'score',
      text: '8 after the procedure? <script>alert(1)</script>',
    });
    expect(raised.status).toBe(303);
    const [q] = await web.registry.deps.db.selectFrom('query').select('id').execute();
    queryId = q!.id;
    const thread = await text(await monitor.get(`/queries/${queryId}`));
    // Stored as typed, rendered inert.
    expect(thread).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(thread).not.toContain('<script>alert(1)');
  });

  test('the form page links to its review', async () => {
    const form = '/subjects/VCU-0001/visits/week2/forms/pain/1';
    expect(await text(await cora.get(form))).toContain(`href="${form}/review"`);
    const res = await cora.get(`${form}/review`);
    expect([res.status, res.headers.get('location')]).toEqual([303, `/forms/${responseId}`]);
    expect((await cole.get(`${form}/review`)).status).toBe(404);
    expect((await cora.get('/subjects/VCU-0001/visits/week2/forms/pain/99999999999/review')).status).toBe(
      404,
    );
  });

  test('another site gets "not found" for the form and the query', async () => {
    expect((await cole.get(`/forms/${responseId}`)).status).toBe(404);
    expect((await cole.get(`/queries/${queryId}`)).status).toBe(404);
    expect((await cole.post(`/queries/${queryId}/answer`, { text: 'x' })).status).toBe(404);
  });

  test('the coordinator finds it under "assigned to me" and answers with an amendment', async () => {
    const mine = await text(await cora.get('/queries?mine=1'));
    expect(mine).toContain(`/queries/${queryId}`);
    expect(mine).toContain('Pain intensity (NRS / VAS) at Week 2</a>');
    expect(mine).not.toContain('pain at week2');
    const answered = await cora.post(`/queries/${queryId}/answer`, {
      version: '1',
      text: 'transcription error: the source says 3',
      value: '3',
    });
    expect(answered.status).toBe(303);
    const row = await web.registry.deps.db
      .selectFrom('response')
      .select(['answers', 'version'])
      .where('id', '=', responseId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ answers: { scale: 'nrs', score: 3 }, version: 2 });
    const thread = await text(await cora.get(`/queries/${queryId}?done=answered`));
    expect(thread).toContain('Your answer is sent.');
    expect(thread).toContain('amended the form to version 2');
  });

  test('an open or answered query blocks the lock, shown on the page; the monitor closes it', async () => {
    const blocked = await ivan.post(`/forms/${responseId}/lock`, { version: '2', reason: 'reviewed' });
    expect(blocked.status).toBe(409);
    expect(await text(blocked)).toContain('answered query on score');
    expect((await monitor.post(`/queries/${queryId}/close`, { text: 'accepted' })).status).toBe(303);
  });

  test('a wrong password signs nothing and says so beside the password; the right one signs', async () => {
    const wrong = await ivan.post(`/forms/${responseId}/sign`, { version: '2', password: 'not my password' });
    expect(wrong.status).toBe(422);
    const body = await text(wrong);
    expect(body).toContain('href="#sign-password"');
    expect(body).toContain('not correct; nothing was signed');
    const signed = await ivan.post(`/forms/${responseId}/sign`, { version: '2', password: STAFF_PASSWORD });
    expect(signed.status).toBe(303);
    const page = await text(await ivan.get(`/forms/${responseId}?done=signed`));
    expect(page).toContain('The form is signed.');
    expect(page).toContain('I have reviewed and approve');
    expect(page).toContain('in force');
    expect(page).toContain('Unlock the form');
  });

  test('the monitor marks SDV in bulk from the visit page; the investigator locks the visit (all signed: none left)', async () => {
    const visit = await text(await monitor.get('/review?visit=week2'));
    expect(visit).toContain(`value="${responseId}:3"`);
    expect(visit).toContain('Forms at Week 2</caption>');
    expect(visit).toContain('Pain intensity (NRS / VAS)</a>');
    const marked = await monitor.post('/review/sdv', { visit: 'week2', forms: [`${responseId}:3`] });
    expect(marked.status).toBe(200);
    expect(await text(marked)).toContain('1 form marked verified.');
    const locked = await ivan.post('/review/lock', {
      visit: 'week2',
      studyIds: ['VCU-0001'],
      reason: 'visit closed',
    });
    expect(await text(locked)).toContain('0 forms locked (1 already locked or signed).');
  });

  test('the audit trail: filtered by subject and event type; its CSV export is itself an audit event', async () => {
    const admin = await web.as('ada.admin');
    const page = await text(await admin.get('/audit?subject=VCU-0001&action=query.'));
    expect(page).toContain('query.raise');
    expect(page).toContain('query.close');
    expect(page).not.toContain('response.sign');
    const bad = await admin.get('/audit?from=2026-02-30');
    expect(bad.status).toBe(422);
    const csv = await (await admin.get('/audit.csv?subject=VCU-0001&action=response.')).text();
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('id,at,actor,action,site,entity,entity_id,study_id,reason,before,after');
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual([
      'response.sign',
      'response.amend',
      'response.record',
    ]);
    const exported = await web.registry.deps.db
      .selectFrom('audit_event')
      .select(['actor', 'after'])
      .where('action', '=', 'export.audit')
      .executeTakeFirstOrThrow();
    expect(exported).toEqual({
      actor: 'ada.admin',
      after: { rows: 3, filter: { subject: 'VCU-0001', action: 'response.' } },
    });
    expect((await cora.get('/audit')).status).toBe(403);
  });

  test('the investigator unlocks the signed form, the monitor reopens the query, the visit is signed in bulk once it is closed', async () => {
    const status = async () =>
      web.registry.deps.db
        .selectFrom('response')
        .select(['status', 'version'])
        .where('id', '=', responseId)
        .executeTakeFirstOrThrow();
    const noReason = await ivan.post(`/forms/${responseId}/unlock`, { version: '3', reason: ' ' });
    expect(noReason.status).toBe(422);
    expect(await text(noReason)).toContain('href="#lock-reason"');
    const unlocked = await ivan.post(`/forms/${responseId}/unlock`, {
      version: '3',
      reason: 'score to check',
    });
    expect([unlocked.status, unlocked.headers.get('location')]).toEqual([
      303,
      `/forms/${responseId}?done=unlocked`,
    ]);
    expect(await status()).toEqual({ status: 'complete', version: 4 });
    expect(await text(await ivan.get(`/forms/${responseId}?done=unlocked`))).toContain(
      'The form is unlocked; its signature is void.',
    );
    const noText = await monitor.post(`/queries/${queryId}/reopen`, { text: '' });
    expect(noText.status).toBe(422);
    expect(await text(noText)).toContain('href="#reopen-text"');
    const reopened = await monitor.post(`/queries/${queryId}/reopen`, {
      text: 'please check the score again',
    });
    expect([reopened.status, reopened.headers.get('location')]).toEqual([
      303,
      `/queries/${queryId}?done=reopened`,
    ]);
    expect(await text(await monitor.get(`/queries/${queryId}?done=reopened`))).toContain(
      'The query is open again.',
    );
    const sign = { visit: 'week2', studyIds: ['VCU-0001'], password: STAFF_PASSWORD };
    const blocked = await ivan.post('/review/sign', sign);
    expect(blocked.status).toBe(409);
    expect(await text(blocked)).toContain('open query on score');
    expect((await monitor.post(`/queries/${queryId}/close`, { text: 'checked' })).status).toBe(303);
    const signed = await ivan.post('/review/sign', sign);
    expect(signed.status).toBe(200);
    expect(await text(signed)).toContain('1 form signed (0 already signed).');
    expect(await status()).toEqual({ status: 'signed', version: 5 });
  });
});
