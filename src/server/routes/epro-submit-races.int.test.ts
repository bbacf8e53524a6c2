import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { refused, useEproAttackWeb } from '../../../test/helpers/epro-web.js';
import { loadPatientSession } from '../../registry/epro-links.js';
import { saveDraft, submitLink } from '../../registry/epro-submit.js';
import { SYSTEM_ACTOR, setYearCheck } from '../../registry/index.js';

const attack = useEproAttackWeb();

/*
 * The patient's questionnaire sent while other requests race it: two submits at once, a page saved
 * during the submit, and the year-of-birth guard. Never a duplicate form, never a 500, nothing
 * sent overwritten.
 */

const ODI_ANSWERS = Object.fromEntries(
  ['s1_pain_intensity', 's2_personal_care', 's3_lifting', 's4_walking', 's5_sitting'].map((id) => [
    `a.${id}`,
    '1',
  ]),
);

describe('double submit', () => {
  test('two submits at once with one session: one records, the other sees the thank-you; no duplicate form', async () => {
    const s = await attack.opened();
    await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '4' });
    await s.p.post('/p/form/odi', ODI_ANSWERS);
    await s.p.post('/p/form/problems', { any: 'yes', description: 'Swollen ankle' });
    const [one, two] = await Promise.all([s.p.post('/p/submit'), s.p.post('/p/submit')]);
    for (const res of [one, two]) {
      expect(res.status, await res.clone().text()).toBe(303);
      expect(res.headers.get('location')).toBe('/p/done');
    }
    const rows = await attack.web.registry.deps.db
      .selectFrom('response')
      .select(['instrument'])
      .where('study_id', '=', s.studyId)
      .where('visit', '=', 'week2')
      .orderBy('instrument')
      .execute();
    expect(rows.map((r) => r.instrument)).toEqual(['odi', 'pain']);
    const candidates = await sql`select id from epro_ae_candidate where link_id = ${s.id}`.execute(
      attack.web.registry.deps.db,
    );
    expect(candidates.rows).toHaveLength(1);
    const submits = await sql`select id from audit_event where action = 'epro.submit'
      and after->>'link' = ${String(s.id)}`.execute(attack.web.registry.deps.db);
    expect(submits.rows).toHaveLength(1);
  });
});

describe('the year-of-birth guard', () => {
  test.each([
    ['a NUL', '1948\u0000'],
    ['10 kB', '1'.repeat(10_000)],
    ['markup', '<script>alert(1)</script>'],
    ['SQL', "1948' or '1'='1"],
    ['a duplicated field', ['1950', '1948']],
  ])('%s is a wrong year in one line (422), counted, and echoed inert', async (_n, year) => {
    await setYearCheck(attack.web.registry.deps, SYSTEM_ACTOR, 'VCU', true);
    try {
      const { p, id } = await attack.opened();
      const text = await refused(await p.post('/p/year', { year }), 422);
      expect(text).toContain('does not match');
      expect(text).not.toContain('<script>alert');
      const r = await sql<{
        year_failures: number;
      }>`select year_failures from epro_link where id = ${id}`.execute(attack.web.registry.deps.db);
      expect(r.rows[0]?.year_failures).toBe(1);
      expect((await p.get('/p/form')).headers.get('location')).toBe('/p/year');
    } finally {
      await setYearCheck(attack.web.registry.deps, SYSTEM_ACTOR, 'VCU', false);
    }
  });
});

describe('a page saved while the questionnaire is being sent', () => {
  test('a save that read the session before the submit committed does not overwrite what was sent', async () => {
    const s = await attack.opened();
    await s.p.post('/p/form/pain', { 'a.scale': 'nrs', 'a.score': '5' });
    await s.p.post('/p/form/problems', { any: 'yes', description: 'Dizzy' });
    const cookie = decodeURIComponent(String(s.p.cookie?.split('=')[1]));
    const deps = attack.web.registry.deps;
    const stale = await loadPatientSession(deps, cookie);
    if (!stale) throw new Error('no patient session');
    expect(await submitLink(deps, stale)).toBe('recorded');
    await expect(saveDraft(deps, stale, 'problems', { any: 'no', description: '' })).rejects.toThrow(
      /closed/,
    );
    expect((await attack.drafts(s.id)).problems).toEqual({ any: 'yes', description: 'Dizzy' });
  });

  test('a save that arrives while the submit holds the link waits for it, then is refused', async () => {
    const s = await attack.opened();
    await s.p.post('/p/form/problems', { any: 'yes', description: 'Dizzy' });
    const cookie = decodeURIComponent(String(s.p.cookie?.split('=')[1]));
    const deps = attack.web.registry.deps;
    const stale = await loadPatientSession(deps, cookie);
    if (!stale) throw new Error('no patient session');
    let save: Promise<unknown> = Promise.resolve();
    await deps.db.transaction().execute(async (trx) => {
      await sql`select id from epro_link where id = ${s.id} for update`.execute(trx);
      await sql`update epro_link set submitted_at = ${deps.clock()} where id = ${s.id}`.execute(trx);
      save = saveDraft(deps, stale, 'problems', { any: 'no', description: '' }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 200));
    });
    expect(String(await save)).toMatch(/closed/);
    expect((await attack.drafts(s.id)).problems).toEqual({ any: 'yes', description: 'Dizzy' });
  });
});
