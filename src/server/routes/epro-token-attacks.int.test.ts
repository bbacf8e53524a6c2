import { sql } from 'kysely';
import { describe, expect, test } from 'vitest';
import { EPRO_ORIGIN } from '../../../test/helpers/epro.js';
import { refused, useEproAttackWeb } from '../../../test/helpers/epro-web.js';
import { buildApp } from '../app.js';

const attack = useEproAttackWeb();

/*
 * The token in /p/<token> under attack: tokens of every shape, guessing from one address, an IPv6
 * network or a burst, counters kept in PostgreSQL and purged, and no token in any log line. Each is
 * refused with one clear line and the right status, never a 500.
 */

describe('the token in /p/<token>', () => {
  test.each([
    ['one character', 'a'],
    ['10 kB', 'A'.repeat(10_000)],
    ['1 MB', 'B'.repeat(1_000_000)],
    ['non-UTF-8 bytes %C3%28', `${'A'.repeat(41)}%C3%28`],
    ['a lone %FF', '%FF'],
    ['encoded ../ traversal', '..%2F..%2Fetc%2Fpasswd'],
    [
      'unicode look-alikes (Cyrillic А, fullwidth Ａ)',
      encodeURIComponent(`${'А'.repeat(21)}${'Ａ'.repeat(22)}`),
    ],
    ['base64 with padding', `${'A'.repeat(42)}E%3D`],
    ['standard base64 characters + and /', `${'A'.repeat(41)}+%2F`],
    ['a stray percent', `${'A'.repeat(40)}%zz`],
  ])('%s: 404 with one clear line, nothing stored', async (_name, token) => {
    const res = await attack.patient().get(`/p/${token}`);
    const text = await refused(res, 404);
    expect(text).toContain('This link does not work');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  test('a token with a NUL is a 404 in one line (refused for every path), nothing stored', async () => {
    for (const token of ['%00', `${'A'.repeat(20)}%00${'A'.repeat(22)}`]) {
      const res = await attack.patient().get(`/p/${token}`);
      expect(await refused(res, 404)).toContain('There is no such page');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  test('an empty token and a bare .. lead to no page, never a 500', async () => {
    await refused(await attack.patient().get('/p/'), 404);
    expect((await attack.patient().get('/p/..')).status).not.toBe(500);
    expect((await attack.patient().get('/p/%2E%2E')).status).not.toBe(500);
    expect((await attack.patient().get('/p/%2e%2e/form')).status).not.toBe(500);
  });

  test('a valid token with a padding "=" or a look-alike letter does not open its link', async () => {
    const { token } = await attack.linkFor();
    await refused(await attack.patient().get(`/p/${token}%3D`), 404);
    const lookAlike = token.replace(/[A-Za-z]/, (ch) => (ch === 'A' ? 'А' : 'А'));
    await refused(await attack.patient().get(`/p/${encodeURIComponent(lookAlike)}`), 404);
    await refused(await attack.patient().get(`/p/${token.slice(0, 42)}`), 404);
    expect((await attack.patient().get(`/p/${token}`)).status).toBe(303);
  });

  test('guessing: 10 invalid tokens per address in 15 minutes, then 429; other addresses are not held', async () => {
    const { token } = await attack.linkFor();
    for (let i = 0; i < 10; i++) await refused(await attack.getFrom('198.51.100.7', `/p/guess-${i}`), 404);
    const limited = await attack.getFrom('198.51.100.7', `/p/${token}`);
    const text = await refused(limited, 429);
    expect(limited.headers.get('retry-after')).toBe('900');
    expect(text).not.toContain(token);
    // Another address still opens its link.
    expect((await attack.getFrom('198.51.100.8', `/p/${token}`)).status).toBe(303);
  });

  test('the guess counters are in PostgreSQL: a new app instance over the same database still says 429', async () => {
    const { token } = await attack.linkFor();
    for (let i = 0; i < 10; i++)
      await attack.getFrom('198.51.100.9', `/p/${'Z'.repeat(43 - String(i).length)}${i}`);
    const fresh = buildApp({ registry: attack.web.registry.deps, log: () => {}, appOrigin: EPRO_ORIGIN });
    const res = await fresh.request(
      `/p/${token}`,
      {},
      { incoming: { socket: { remoteAddress: '198.51.100.9', remoteFamily: 'IPv4' } } },
    );
    expect(res.status).toBe(429);
  });

  test('an IPv6 guesser is counted by its /64 network: rotating the low bits does not reset the count', async () => {
    const { token } = await attack.linkFor();
    for (let i = 0; i < 10; i++)
      await refused(await attack.getFrom(`2001:db8:7:1::${i + 1}`, `/p/guess-v6-${i}`), 404);
    await refused(await attack.getFrom('2001:0db8:0007:0001:ffff:ffff:ffff:ffff', `/p/${token}`), 429);
    expect((await attack.getFrom('2001:db8:7:2::1', `/p/${token}`)).status).toBe(303);
  });

  test('a burst of guesses at once from one address still gets at most 10 answers before the 429', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => attack.getFrom('198.51.100.11', `/p/burst-${i}`)),
    );
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 404).length).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s !== 404 && s !== 429)).toEqual([]);
  });

  test('guess counters older than the window are purged, so the table does not grow without end', async () => {
    const db = attack.web.registry.deps.db;
    await sql`insert into epro_token_failure (ip, at)
      select '203.0.113.' || g, ${new Date('2026-03-17T08:00:00Z')} from generate_series(1, 50) g`.execute(
      db,
    );
    await refused(await attack.getFrom('198.51.100.12', '/p/one-more-guess'), 404);
    const left = await sql<{ n: string }>`select count(*) as n from epro_token_failure`.execute(db);
    expect(Number(left.rows[0]?.n)).toBe(1);
  });

  test('no token, whole or in part, reaches a log line, on any answer', async () => {
    const { token } = await attack.linkFor();
    attack.web.logs.length = 0;
    const tries = [token, `${token}x`, token.slice(0, 42), `${token}%00`, 'C'.repeat(10_000)];
    for (const t of tries) await attack.patient().get(`/p/${t}`);
    for (let i = 0; i < 11; i++) await attack.getFrom('198.51.100.10', `/p/${token.slice(0, 40)}-${i}`);
    await attack.getFrom('198.51.100.10', `/p/${token}`);
    const logs = attack.web.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(token.slice(0, 16));
    expect(logs).not.toContain(token.slice(-16));
    expect(logs).not.toContain('CCCCCCCCCCCCCCCC');
  });
});
