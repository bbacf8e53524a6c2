import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb } from '../../../test/helpers/web.js';
import { recordResponse } from '../../registry/index.js';

const XSS = `<script>alert("x")</script><img src=x onerror=alert(1)>'; DROP TABLE subject; --`;

/** The enrolment form as a browser sends it. */
function enrolForm(over: Record<string, string> = {}): Record<string, string> {
  return {
    'identity.given_name': 'Ada',
    'identity.family_name': 'Lovelace',
    'identity.mrn': 'MRN-1',
    'identity.birth_date': '1941-05-06',
    'identity.phone': '+1 804 555 0100',
    'identity.email': 'ada@example.org',
    'item.sex': 'female',
    'item.birth_year': '1941',
    'item.consent_date': '2026-02-01',
    'item.index_date': '2026-02-03',
    ...over,
  };
}

async function auditCount(web: Awaited<ReturnType<typeof createTestWeb>>, action: string): Promise<number> {
  const rows = await web.registry.deps.db
    .selectFrom('audit_event')
    .select('id')
    .where('action', '=', action)
    .execute();
  return rows.length;
}

describe('enrolment and the subject page', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let studyId: string;
  beforeAll(async () => {
    web = await createTestWeb();
  });
  afterAll(() => web.destroy());

  test('the enrolment form labels every control', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.get('/subjects/new');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Enrol a participant at VCU');
    const ids = [...html.matchAll(/<(?:input|select|textarea)[^>]*\sid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids.length).toBeGreaterThanOrEqual(10);
    for (const id of ids) expect(html).toContain(`<label for="${id}"`);
  });

  test('a VCU coordinator enrols a participant and lands on the subject page, with the identifiers', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.post('/subjects/new', enrolForm());
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/subjects\/VCU-0001\?enrolled=1$/);
    studyId = 'VCU-0001';
    const before = await auditCount(web, 'identity.read');
    const page = await cora.get(location);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('VCU-0001 is enrolled.');
    expect(html).toContain('Lovelace');
    expect(html).toContain('MRN-1');
    // Reading identifiers is an audit event.
    expect(await auditCount(web, 'identity.read')).toBe(before + 1);
    const enrol = await web.registry.deps.db
      .selectFrom('audit_event')
      .select(['actor', 'entity_id'])
      .where('action', '=', 'subject.enrol')
      .executeTakeFirstOrThrow();
    expect(enrol).toEqual({ actor: 'cora.vcu', entity_id: 'VCU-0001' });
  });

  test.each([
    [{ 'identity.email': 'not-an-address' }, 'identity-email', 'E-mail: email is not a valid address'],
    [
      { 'identity.birth_date': '2026-02-30' },
      'identity-birth_date',
      'Date of birth: birth_date must be a real date',
    ],
    [{ 'item.consent_date': '' }, 'item-consent_date', 'Date of consent is required'],
    [{ 'item.birth_year': '1850' }, 'item-birth_year', 'Year of birth:'],
    [{ 'item.sex': 'robot' }, 'item-sex', 'Sex:'],
  ])(
    'invalid enrolment %j answers 422 with the issue beside its field and in a linked summary',
    async (over, id, text) => {
      const cora = await web.as('cora.vcu');
      const res = await cora.post('/subjects/new', enrolForm(over));
      expect(res.status).toBe(422);
      const html = await res.text();
      expect(html).toContain('id="error-summary"');
      expect(html).toContain(`href="#${id}"`);
      expect(html).toContain(`id="${id}-error"`);
      expect(html).toMatch(new RegExp(`id="${id}"[^>]*aria-invalid="true"`));
      expect(html).toContain(text);
      // What was typed is shown again, and nothing was enrolled.
      for (const value of Object.values(over))
        if (value !== '' && id !== 'item-sex') expect(html).toContain(`value="${value}"`);
      const subjects = await web.registry.deps.db.selectFrom('subject').select('study_id').execute();
      expect(subjects.map((s) => s.study_id)).toEqual(['VCU-0001']);
    },
  );

  test('identifier and enrolment-form problems are named together in one answer', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.post(
      '/subjects/new',
      enrolForm({ 'identity.email': 'not-an-address', 'item.consent_date': '', 'item.birth_year': '1850' }),
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    for (const id of ['identity-email', 'item-consent_date', 'item-birth_year']) {
      expect(html).toContain(`href="#${id}"`);
      expect(html).toContain(`id="${id}-error"`);
    }
  });

  test('XSS payloads in the name fields are stored as typed and rendered inert', async () => {
    const cora = await web.as('cora.vcu');
    const res = await cora.post(
      '/subjects/new',
      enrolForm({ 'identity.given_name': XSS, 'identity.family_name': '"><svg onload=alert(2)>' }),
    );
    expect(res.status).toBe(303);
    const id = res.headers.get('location')!.split('?')[0]!;
    const stored = await web.registry.deps.db
      .selectFrom('subject_identity')
      .select(['given_name', 'family_name'])
      .where('study_id', '=', id.slice('/subjects/'.length))
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ given_name: XSS, family_name: '"><svg onload=alert(2)>' });
    const html = await (await cora.get(id)).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<svg onload');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    // Invalid input with the payload re-renders it inert too.
    const bad = await cora.post(
      '/subjects/new',
      enrolForm({ 'identity.given_name': XSS, 'item.consent_date': '' }),
    );
    expect(bad.status).toBe(422);
    expect(await bad.text()).not.toContain('<script>alert');
  });

  test('the subject page shows the timeline, the trajectories with the MCID line, forms, AEs and medications', async () => {
    const deps = web.registry.deps;
    const actor = { username: 'cora.vcu', role: 'coordinator' as const, siteId: 'VCU' };
    await recordResponse(deps, actor, {
      studyId,
      visit: 'baseline',
      instrument: 'pain',
      answers: { scale: 'nrs', score: 8 },
    });
    await recordResponse(deps, actor, {
      studyId,
      visit: 'week2',
      instrument: 'pain',
      answers: { scale: 'nrs', score: 3 },
    });
    await recordResponse(deps, actor, {
      studyId,
      visit: 'week2',
      instrument: 'adverse_event',
      answers: { term: 'other', term_other: XSS, onset_date: '2026-02-10', reported_by: 'clinician' },
    });
    await recordResponse(deps, actor, {
      studyId,
      visit: 'week2',
      instrument: 'analgesic',
      answers: { drug: 'oxycodone', strength: 5, unit: 'mg', route: 'oral', doses_per_day: 2 },
    });
    const cora = await web.as('cora.vcu');
    const res = await cora.get(`/subjects/${studyId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    // Timeline: every protocol visit with its state from schedule/.
    for (const v of deps.protocol.visits) expect(html).toContain(`/subjects/${studyId}/visits/${v.code}"`);
    expect(html).toMatch(/state-done|state-signed|state-locked/);
    // The pain chart: an accessible SVG with the MCID line at baseline − 2, and no inline style.
    expect(html).toContain('MCID line at 6 (baseline 8 minus 2)');
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBeGreaterThanOrEqual(1);
    for (const svg of svgs) {
      expect(svg).not.toMatch(/<style|\sstyle=/);
      expect(svg).toContain('role="img"');
    }
    // Forms link to their page.
    expect(html).toContain(`href="/subjects/${studyId}/visits/week2/forms/pain/1"`);
    expect(html).toContain(`href="/subjects/${studyId}/visits/baseline/forms/enrollment/1"`);
    expect(html).toContain('Adverse events');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('Oxycodone');
    expect(html).toContain(`href="/subjects/${studyId}/visits/week2/forms/adverse_event/1"`);
    expect(html).toContain(`href="/subjects/${studyId}/visits/week2/forms/analgesic/1"`);
    expect(html).not.toContain('<script>alert');
    // No inline style anywhere on the page (the CSP allows only the stylesheet).
    expect(html).not.toMatch(/<style|\sstyle="/);
  });

  test('the monitor sees the subject pseudonymised: no identifiers, and no identifier read audited', async () => {
    const mona = await web.as('mona.monitor');
    const before = await auditCount(web, 'identity.read');
    const res = await mona.get(`/subjects/${studyId}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Participant ${studyId}`);
    for (const text of ['Lovelace', 'MRN-1', '1941-05-06', 'ada@example.org', '555 0100', 'Identifiers']) {
      expect(html).not.toContain(text);
    }
    expect(html).not.toContain('End participation');
    expect(await auditCount(web, 'identity.read')).toBe(before);
  });

  test('another site answers 404 for the subject, its withdrawal and an unknown id alike', async () => {
    const cole = await web.as('cole.apmss');
    const page = await cole.get(`/subjects/${studyId}`);
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).not.toContain('Lovelace');
    expect((await cole.get('/subjects/VCU-0999')).status).toBe(404);
    const withdraw = await cole.post(`/subjects/${studyId}/withdraw`, {
      status: 'withdrawn',
      date: '2026-03-01',
      reason: 'moved away',
    });
    expect(withdraw.status).toBe(404);
  });

  test.each([
    ['mona.monitor', '/subjects/new'],
    ['stan.stats', '/subjects/new'],
    ['ada.admin', '/subjects/new'],
    ['stan.stats', '/subjects/VCU-0001'],
    ['ada.admin', '/subjects/VCU-0001'],
  ])('%s gets 403 for %s', async (user, path) => {
    const client = await web.as(user);
    expect((await client.get(path)).status).toBe(403);
  });

  test('the monitor may not enrol or withdraw (403)', async () => {
    const mona = await web.as('mona.monitor');
    expect((await mona.post('/subjects/new', enrolForm())).status).toBe(403);
    expect((await mona.post(`/subjects/${studyId}/withdraw`, { reason: 'x' })).status).toBe(403);
  });

  test('withdrawal needs a reason (422 beside the field), then ends participation', async () => {
    const cora = await web.as('cora.vcu');
    const bad = await cora.post(`/subjects/${studyId}/withdraw`, {
      status: 'withdrawn',
      date: '2026-03-01',
      reason: ' ',
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('href="#withdraw-reason"');
    expect(html).toContain('id="withdraw-reason-error"');
    const ok = await cora.post(`/subjects/${studyId}/withdraw`, {
      status: 'withdrawn',
      date: '2026-03-01',
      reason: 'moved away',
    });
    expect(ok.status).toBe(303);
    const subject = await web.registry.deps.db
      .selectFrom('subject')
      .select('status')
      .where('study_id', '=', studyId)
      .executeTakeFirstOrThrow();
    expect(subject.status).toBe('withdrawn');
    const after = await (await cora.get(`/subjects/${studyId}`)).text();
    expect(after).toContain('withdrawn');
    expect(after).not.toContain('End participation</button>');
  });

  test('enrolment takes a missing-data code for an optional item, and shows a wrong one beside it', async () => {
    const cora = await web.as('cora.vcu');
    const form = await (await cora.get('/subjects/new')).text();
    expect(form).toContain('name="m.birth_year"');
    const res = await cora.post(
      '/subjects/new',
      enrolForm({ 'item.birth_year': '', 'm.birth_year': 'declined' }),
    );
    expect(res.status).toBe(303);
    const enrolled = decodeURIComponent(/^\/subjects\/([^?]+)/.exec(res.headers.get('location')!)![1]!);
    const row = await web.registry.deps.db
      .selectFrom('response')
      .select('missing')
      .where('study_id', '=', enrolled)
      .where('instrument', '=', 'enrollment')
      .executeTakeFirstOrThrow();
    expect(row.missing).toEqual({ birth_year: 'declined' });
    const both = await cora.post('/subjects/new', enrolForm({ 'm.birth_year': 'declined' }));
    expect(both.status).toBe(422);
    const html = await both.text();
    expect(html).toMatch(/id="item-birth_year-error"/);
    expect(html).toMatch(/<option value="declined" selected="">/);
  });
});
