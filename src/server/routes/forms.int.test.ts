import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestWeb, STAFF_PASSWORD, type WebClient } from '../../../test/helpers/web.js';
import { INSTRUMENTS, MME_TABLES } from '../../instruments/index.js';
import { visitInstruments } from '../../protocol/index.js';
import { enrolSubject, lockResponse, SYSTEM_ACTOR } from '../../registry/index.js';

const ENROLMENT = { sex: 'female', birth_year: 1948, consent_date: '2026-03-02', index_date: '2026-03-05' };
const BASE = '/subjects/VCU-0001/visits/baseline';
const PAIN = `${BASE}/forms/pain/1`;

/** The hidden version field of a form page. */
function versionOf(html: string): string {
  return /name="version" value="(\d+)"/.exec(html)?.[1] ?? '';
}

describe('data entry: a VCU coordinator records the baseline visit and its forms', () => {
  let web: Awaited<ReturnType<typeof createTestWeb>>;
  let cora: WebClient;
  beforeAll(async () => {
    web = await createTestWeb('2026-03-02T09:00:00.000Z');
    const deps = web.registry.deps;
    await enrolSubject(deps, SYSTEM_ACTOR, { siteId: 'VCU', answers: ENROLMENT });
    await enrolSubject(deps, SYSTEM_ACTOR, { siteId: 'APMSS', answers: ENROLMENT });
    cora = await web.as('cora.vcu');
  });
  afterAll(() => web.destroy());

  test('the visit page lists the forms the protocol collects there, each linked', async () => {
    const res = await cora.get(BASE);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    for (const id of visitInstruments(web.registry.deps.protocol, 'baseline')) {
      expect(html).toContain(`${BASE}/forms/${id}/1`);
    }
    expect(html).toContain('The visit is not recorded yet.');
  });

  test('the visit date is recorded with the forms; a missing mode is shown beside its field (422)', async () => {
    const bad = await cora.post(BASE, { state: 'done', date: '2026-03-02', mode: '' });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain('class="error-summary"');
    expect(html).toContain('href="#v-mode-0"');
    expect(html).toContain('value="2026-03-02"');
    const ok = await cora.post(BASE, { state: 'done', date: '2026-03-02', mode: 'clinic' });
    expect(ok.status).toBe(303);
    const page = await (await cora.get(ok.headers.get('location')!)).text();
    expect(page).toContain('Done on 2026-03-02 (Clinic)');
    const row = await web.registry.deps.db
      .selectFrom('visit')
      .select(['visit_date', 'mode', 'entered_by'])
      .where('study_id', '=', 'VCU-0001')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ visit_date: '2026-03-02', mode: 'clinic', entered_by: 'cora.vcu' });
  });

  test('a form is generated from its definition: labels, hints, radio fieldsets with legends', async () => {
    const html = await (await cora.get(PAIN)).text();
    expect(html).toContain('<legend>Scale used');
    expect(html).toContain('<label for="f-score">Pain now / on average over the last 24 hours');
    expect(html).toContain('id="f-score-hint"');
    expect(html).toContain('name="m.score"');
    expect(html).toContain('Missing: reason');
    // Every control has a label: each id of an input or select is some label's `for`.
    const ids = [...html.matchAll(/<(?:input|select|textarea)[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
    for (const id of ids) expect(html).toContain(`for="${id}"`);
  });

  test('a validation issue shows beside its field with the label and in the summary; values kept as typed (422)', async () => {
    const res = await cora.post(PAIN, { 'a.scale': 'nrs', 'a.score': '7,5 ', action: 'complete' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toMatch(
      /<a href="#f-score">Pain now \/ on average over the last 24 hours &quot;7,5&quot; is not a number<\/a>/,
    );
    expect(html).toContain('id="f-score-error"');
    expect(html).toContain('value="7,5 "');
    expect(
      await web.registry.deps.db
        .selectFrom('response')
        .select('id')
        .where('instrument', '=', 'pain')
        .execute(),
    ).toEqual([]);
  });

  test('a draft is saved without its required items, then completed; the page shows the saved score', async () => {
    const draft = await cora.post(PAIN, { 'a.scale': 'nrs', action: 'draft' });
    expect(draft.status).toBe(303);
    expect(draft.headers.get('location')).toBe(`${PAIN}?saved=draft`);
    const page = await (await cora.get(`${PAIN}?saved=draft`)).text();
    expect(page).toContain('Draft saved.');
    expect(page).toContain('status-draft');
    const done = await cora.post(PAIN, {
      'a.scale': 'nrs',
      'a.score': '7',
      action: 'complete',
      version: versionOf(page),
    });
    expect(done.status).toBe(303);
    const saved = await (await cora.get(done.headers.get('location')!)).text();
    expect(saved).toContain('status-complete');
    expect(saved).toContain('<dd data-score="pain_nrs">7</dd>');
    expect(saved).toContain('id="f-reason"');
  });

  test('after complete every change needs a reason (REASON_REQUIRED beside it); then the history shows it', async () => {
    const page = await (await cora.get(PAIN)).text();
    const version = versionOf(page);
    const refused = await cora.post(PAIN, { 'a.scale': 'nrs', 'a.score': '6', action: 'complete', version });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(html).toContain('href="#f-reason"');
    expect(html).toContain('id="f-reason-error"');
    expect(html).toContain('value="6"');
    const ok = await cora.post(PAIN, {
      'a.scale': 'nrs',
      'a.score': '6',
      action: 'complete',
      version,
      reason: 'transcription error',
    });
    expect(ok.status).toBe(303);
    const history = await (await cora.get(`${PAIN}/history`)).text();
    expect(history).toMatch(
      /cora\.vcu<\/td><td>Pain now[^<]*<\/td><td>7<\/td><td>6<\/td><td>transcription error<\/td>/,
    );
    expect(history).toContain('Form status');
  });

  test('two people edit one form: one save wins, the other sees both values and loses nothing (409)', async () => {
    const ivan = await web.as('ivan.vcu');
    const version = versionOf(await (await cora.get(PAIN)).text());
    expect(versionOf(await (await ivan.get(PAIN)).text())).toBe(version);
    const first = await ivan.post(PAIN, {
      'a.scale': 'nrs',
      'a.score': '5',
      action: 'complete',
      version,
      reason: 'patient recalled',
    });
    expect(first.status).toBe(303);
    const second = await cora.post(PAIN, {
      'a.scale': 'nrs',
      'a.score': '4',
      action: 'complete',
      version,
      reason: 'mine',
    });
    expect(second.status).toBe(409);
    const html = await second.text();
    expect(html).toContain('Someone else saved this form first');
    expect(html).toContain('ivan.vcu');
    expect(html).toMatch(/Pain now[^<]*<\/a><\/th><td>5<\/td><td>4<\/td>/);
    expect(html).toContain('value="4"');
    expect(html).toContain('mine</textarea>');
    // The form now carries the saved version, so saving again (after comparing) applies to it.
    expect(Number(versionOf(html))).toBe(Number(version) + 1);
    const again = await cora.post(PAIN, {
      'a.scale': 'nrs',
      'a.score': '4',
      action: 'complete',
      version: versionOf(html),
      reason: 'mine',
    });
    expect(again.status).toBe(303);
  });

  test('two people enter a new form at once: the second sees the saved values beside theirs (409)', async () => {
    const url = `${BASE}/forms/analgesic/5`;
    const ivan = await web.as('ivan.vcu');
    expect(versionOf(await (await cora.get(url)).text())).toBe('');
    const first = await ivan.post(url, { 'a.drug': 'nsaid', action: 'complete' });
    expect(first.status).toBe(303);
    const second = await cora.post(url, { 'a.drug': 'acetaminophen', action: 'complete' });
    expect(second.status).toBe(409);
    const html = await second.text();
    expect(html).toMatch(/Drug<\/a><\/th><td>NSAID<\/td><td>Acetaminophen \(paracetamol\)<\/td>/);
    expect(html).toMatch(/value="acetaminophen" checked=""/);
    expect(versionOf(html)).toBe('1');
  });

  test('an item is marked missing with a reason, distinct from blank, and the ODI score is computed without it', async () => {
    const odi = `${BASE}/forms/odi/1`;
    const form: Record<string, string> = { action: 'complete', 'm.s8_sex_life': 'declined' };
    for (const item of INSTRUMENTS.get('odi')!.items)
      if (item.id !== 's8_sex_life') form[`a.${item.id}`] = '2';
    const res = await cora.post(odi, form);
    expect(res.status).toBe(303);
    const html = await (await cora.get(odi)).text();
    expect(html).toMatch(/<option value="declined" selected="">Declined<\/option>/);
    expect(html).toContain('<dd data-score="odi_pct">40</dd>');
    const row = await web.registry.deps.db
      .selectFrom('response')
      .select(['missing', 'answers'])
      .where('instrument', '=', 'odi')
      .executeTakeFirstOrThrow();
    expect(row.missing).toEqual({ s8_sex_life: 'declined' });
    expect(row.answers).not.toHaveProperty('s8_sex_life');
  });

  test('the ODI and MME forms carry their live score rule as JSON data, from the scoring tables', async () => {
    const odi = await (await cora.get(`${BASE}/forms/odi/1`)).text();
    expect(odi).toContain('data-live-score="live-score-data"');
    expect(odi).toContain('"rule":"odi"');
    expect(odi).toContain('"maxMissing":2');
    const mme = await (await cora.get(`${BASE}/forms/analgesic/1`)).text();
    const json = /<script type="application\/json" id="live-score-data">(.*?)<\/script>/s.exec(mme)?.[1];
    const data = JSON.parse(json!) as { factors: Record<string, number | null> };
    expect(data.factors).toMatchObject(MME_TABLES['cdc-2022']);
    expect(await (await cora.get(PAIN)).text()).not.toContain('data-live-score');
  });

  test('a repeating form adds another instance; a non-repeating one has no second instance', async () => {
    const first = await cora.post(`${BASE}/forms/analgesic/1`, {
      'a.drug': 'oxycodone',
      'a.strength': '5',
      'a.unit': 'mg',
      'a.doses_per_day': '4',
      action: 'complete',
    });
    expect(first.status).toBe(303);
    const saved = await (await cora.get(`${BASE}/forms/analgesic/1`)).text();
    expect(saved).toContain('<dd data-score="mme_day">30</dd>');
    const visit = await (await cora.get(BASE)).text();
    // Instances 1 and 5 are recorded (5 by the test of two people entering at once): next is 6.
    expect(visit).toContain(`href="${BASE}/forms/analgesic/6"`);
    expect((await cora.get(`${BASE}/forms/analgesic/2`)).status).toBe(200);
    expect((await cora.get(`${BASE}/forms/pain/2`)).status).toBe(404);
    expect((await cora.get(`${BASE}/forms/nonsense/1`)).status).toBe(404);
  });

  test('a draft instance of a repeating form is removed; a complete one offers no removal', async () => {
    const url = `${BASE}/forms/analgesic/2`;
    expect((await cora.post(url, { 'a.drug': 'nsaid', action: 'draft' })).status).toBe(303);
    const page = await (await cora.get(url)).text();
    expect(page).toContain(`action="${url}/discard"`);
    const removed = await cora.post(`${url}/discard`, { version: versionOf(page) });
    expect(removed.status).toBe(303);
    expect(await (await cora.get(removed.headers.get('location')!)).text()).toContain(
      'The draft was removed.',
    );
    expect(await (await cora.get(url)).text()).toContain('Not recorded yet.');
    const complete = await (await cora.get(`${BASE}/forms/analgesic/1`)).text();
    expect(complete).not.toContain('/discard"');
    const refused = await cora.post(`${BASE}/forms/analgesic/1/discard`, { version: versionOf(complete) });
    expect(refused.status).toBe(409);
    expect((await (await web.as('cole.apmss')).post(`${url}/discard`, { version: '1' })).status).toBe(404);
  });

  test('text in every text item is stored as typed and rendered inert (XSS and SQL)', async () => {
    const payload = `<script>alert(1)</script>"><img src=x onerror=alert(2)>'; DROP TABLE response; --`;
    const protocol = web.registry.deps.protocol;
    let checked = 0;
    const seen = new Set<string>();
    for (const visit of ['baseline', 'procedure']) {
      for (const id of visitInstruments(protocol, visit)) {
        // Each instrument once (the end-of-study form is offered at every visit, and recorded once).
        if (seen.has(id)) continue;
        seen.add(id);
        const def = INSTRUMENTS.get(id)!;
        const fixed = new Set(def.createsSubject ? Object.values(def.createsSubject) : []);
        const texts = def.items.filter((i) => i.type === 'text' && !fixed.has(i.id) && !i.pattern);
        if (texts.length === 0) continue;
        const url = `/subjects/VCU-0001/visits/${visit}/forms/${id}/${def.repeating ? 7 : 1}`;
        const page = await (await cora.get(url)).text();
        const form: Record<string, string> = { action: 'draft' };
        const version = versionOf(page);
        if (version) {
          form.version = version;
          form.reason = payload;
          // A stored form keeps its answers; only the text items change.
          for (const m of page.matchAll(/name="(a\.[^"]+)" value="([^"]*)"/g)) form[m[1]!] ??= m[2]!;
        }
        for (const item of texts) form[`a.${item.id}`] = payload;
        const res = await cora.post(url, form);
        expect(
          res.status,
          `${id}: ${await res
            .clone()
            .text()
            .then((t) => /error-summary.*?<\/ul>/s.exec(t)?.[0])}`,
        ).toBe(303);
        const html = await (await cora.get(url)).text();
        expect(html).not.toContain('<script>alert(1)');
        expect(html).not.toContain('<img src=x');
        expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
        const row = await web.registry.deps.db
          .selectFrom('response')
          .select('answers')
          .where('study_id', '=', 'VCU-0001')
          .where('instrument', '=', id)
          .where('visit', '=', visit)
          .orderBy('instance', 'desc')
          .executeTakeFirstOrThrow();
        for (const item of texts) expect((row.answers as Record<string, unknown>)[item.id]).toBe(payload);
        checked += texts.length;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    expect(await web.registry.deps.db.selectFrom('response').select('id').execute()).not.toEqual([]);
  });

  test('another site answers 404 for the subject, its visit, its forms and their history', async () => {
    const cole = await web.as('cole.apmss');
    // The same answer as for a subject that does not exist: nothing says VCU-0001 exists.
    const page = async (path: string) => (await (await cole.get(path)).text()).replace(/nonce="[^"]+"/, '');
    for (const path of [BASE, PAIN, `${PAIN}/history`]) {
      const res = await cole.get(path);
      expect(res.status, path).toBe(404);
      expect(await page(path)).toBe(
        (await page(path.replace('VCU-0001', 'VCU-0999'))).replaceAll('VCU-0999', 'VCU-0001'),
      );
    }
    expect((await cole.post(PAIN, { 'a.scale': 'nrs', 'a.score': '1', action: 'complete' })).status).toBe(
      404,
    );
    expect((await cole.post(BASE, { state: 'done', date: '2026-03-01', mode: 'phone' })).status).toBe(404);
    expect((await cole.get('/subjects/APMSS-0001/visits/baseline')).status).toBe(200);
  });

  test('roles: the statistician and the admin are refused (403); the monitor reads but cannot write', async () => {
    for (const username of ['stan.stats', 'ada.admin']) {
      const client = await web.as(username);
      expect((await client.get(PAIN)).status).toBe(403);
      expect((await client.post(PAIN, { 'a.score': '1' })).status).toBe(403);
    }
    const mona = await web.as('mona.monitor');
    const page = await mona.get(PAIN);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain(`action="${PAIN}"`);
    expect(html).toContain('<dt>Pain now / on average over the last 24 hours</dt><dd>4</dd>');
    expect((await mona.post(PAIN, { 'a.score': '1' })).status).toBe(403);
    expect((await mona.post(BASE, { state: 'missed', missed_reason: 'x' })).status).toBe(403);
    expect((await web.client().get(PAIN)).status).toBe(303);
  });

  test('a locked form is shown read-only, and a save sent anyway is refused with the reason (409)', async () => {
    const row = await web.registry.deps.db
      .selectFrom('response')
      .select(['id', 'version'])
      .where('instrument', '=', 'pain')
      .executeTakeFirstOrThrow();
    const ivan = { username: 'ivan.vcu', role: 'investigator' as const, siteId: 'VCU' };
    await lockResponse(web.registry.deps, ivan, {
      id: row.id,
      version: row.version,
      reason: 'visit reviewed',
    });
    const html = await (await cora.get(PAIN)).text();
    expect(html).toContain('status-locked');
    expect(html).not.toContain(`action="${PAIN}"`);
    const res = await cora.post(PAIN, {
      'a.scale': 'nrs',
      'a.score': '3',
      action: 'complete',
      version: String(row.version + 1),
      reason: 'late change',
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('cannot be amended');
  });

  test('the investigator signs the whole visit from the visit page; a coordinator is not offered it', async () => {
    expect(await (await cora.get(BASE)).text()).not.toContain('action="/review/sign"');
    const ivan = await web.as('ivan.vcu');
    // A visit with drafts cannot be signed: the drafts left by the text test are removed first.
    const drafts = await web.registry.deps.db
      .selectFrom('response')
      .select(['instrument', 'instance', 'version'])
      .where('visit', '=', 'baseline')
      .where('status', '=', 'draft')
      .execute();
    for (const d of drafts) {
      const removed = await ivan.post(`${BASE}/forms/${d.instrument}/${d.instance}/discard`, {
        version: String(d.version),
      });
      expect(removed.status).toBe(303);
    }
    const page = await (await ivan.get(BASE)).text();
    expect(page).toContain('action="/review/sign"');
    expect(page).toContain('<label for="v-sign-password">');
    const res = await ivan.post('/review/sign', {
      visit: 'baseline',
      studyIds: 'VCU-0001',
      password: STAFF_PASSWORD,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('signed');
    const pain = await (await cora.get(PAIN)).text();
    expect(pain).toContain('status-signed');
    expect(pain).toContain('signed by');
    expect(pain).not.toContain(`action="${PAIN}"`);
  });
});
