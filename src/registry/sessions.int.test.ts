import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry } from '../../test/helpers/registry.js';
import { createSite, SYSTEM_ACTOR } from './index.js';
import { loadSession, SIGN_IN_REFUSED, signIn } from './sessions.js';
import { ACCOUNT_FREE_FAILURES, heldUntil, LOCKOUT_FAILURES, LOCKOUT_MS } from './sign-in-throttle.js';
import { addUser } from './users.js';

const PASSWORD = 'sacral-cement-2026';
const WRONG = 'not-the-password-1';
const T0 = Date.parse('2026-03-02T09:00:00.000Z');

describe('sign-in backoff and lockout', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  const at = (ms: number) => registry.setTime(new Date(T0 + ms).toISOString());
  const attempt = (username: string, password: string, ip = '10.0.0.1') =>
    signIn(registry.deps, { username, password, ip });
  const failures = async (username: string) =>
    (
      await registry.deps.db
        .selectFrom('login_failure')
        .select('at')
        .where('username', '=', username)
        .execute()
    ).length;

  beforeAll(async () => {
    registry = await createTestRegistry('2026-03-02T09:00:00.000Z');
    await createSite(registry.deps, SYSTEM_ACTOR, { id: 'VCU', name: 'VCU spine center' });
    for (const username of ['cora.vcu', 'ivan.vcu', 'iris.vcu', 'ines.vcu']) {
      await addUser(registry.deps, SYSTEM_ACTOR, {
        username,
        role: 'coordinator',
        siteId: 'VCU',
        password: PASSWORD,
      });
    }
  });
  afterAll(() => registry.destroy());

  test('the delay grows after three failures: 1 s, 2 s, 4 s after the last one', () => {
    const times = (...s: number[]) => s.map((x) => new Date(T0 + x * 1000));
    expect(heldUntil(times(0, 1), ACCOUNT_FREE_FAILURES, true)).toBeNull();
    expect(heldUntil(times(0, 1, 2), ACCOUNT_FREE_FAILURES, true)).toEqual(new Date(T0 + 3000));
    expect(heldUntil(times(0, 1, 2, 5), ACCOUNT_FREE_FAILURES, true)).toEqual(new Date(T0 + 7000));
    expect(heldUntil(times(0, 1, 2, 5, 9), ACCOUNT_FREE_FAILURES, true)).toEqual(new Date(T0 + 13_000));
    // An address (no lockout) waits at most a minute, however many failures.
    const many = Array.from({ length: 30 }, (_, i) => i);
    expect(heldUntil(times(...many), 10, false)).toEqual(new Date(T0 + 29_000 + 60_000));
    // Failures more than 15 minutes before the last one no longer count.
    expect(heldUntil(times(0, 1, 2, 1000), ACCOUNT_FREE_FAILURES, true)).toBeNull();
  });

  test('after three failures the next attempt within the delay is throttled (429) with the same message, even with the right password', async () => {
    at(0);
    for (let i = 0; i < 3; i++) expect(await attempt('cora.vcu', WRONG)).toMatchObject({ kind: 'refused' });
    const held = await attempt('cora.vcu', PASSWORD);
    expect(held).toEqual({ kind: 'throttled', message: SIGN_IN_REFUSED });
    // A held-back attempt is not counted: waiting out the delay is enough.
    expect(await failures('cora.vcu')).toBe(3);
    at(1000);
    const ok = await attempt('cora.vcu', PASSWORD);
    expect(ok.kind).toBe('ok');
    // Success clears the account's count.
    expect(await failures('cora.vcu')).toBe(0);
  });

  test('ten failures lock the account for 15 minutes; then the right password works again', async () => {
    let t = 0;
    for (let i = 0; i < LOCKOUT_FAILURES; i++) {
      t += 70_000; // past every backoff delay (at most 64 s before the tenth failure)
      at(t);
      expect(await attempt('ivan.vcu', WRONG, `10.0.1.${i}`)).toMatchObject({ kind: 'refused' });
    }
    const lockedAt = t;
    for (const wait of [70_000, 5 * 60_000, LOCKOUT_MS - 1000]) {
      at(lockedAt + wait);
      expect(await attempt('ivan.vcu', PASSWORD, '10.9.9.9')).toEqual({
        kind: 'throttled',
        message: SIGN_IN_REFUSED,
      });
    }
    at(lockedAt + LOCKOUT_MS + 1);
    expect((await attempt('ivan.vcu', PASSWORD, '10.9.9.9')).kind).toBe('ok');
  });

  test('an unknown username is counted and answered exactly like a known one', async () => {
    at(60 * 60_000);
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 4; i++) {
      const a = await attempt('iris.vcu', WRONG, '10.0.2.1');
      const b = await attempt('nobody.vcu', WRONG, '10.0.2.2');
      known.push(a.kind);
      unknown.push(b.kind);
    }
    expect(unknown).toEqual(known);
    expect(known).toEqual(['refused', 'refused', 'refused', 'throttled']);
    expect(await failures('nobody.vcu')).toBe(3);
  });

  test('one address guessing at many accounts is held back after ten failures', async () => {
    at(2 * 60 * 60_000);
    const kinds: string[] = [];
    for (let i = 0; i < 11; i++) kinds.push((await attempt(`guess${i}.vcu`, WRONG, '192.0.2.7')).kind);
    expect(kinds.slice(0, 10)).toEqual(Array(10).fill('refused'));
    expect(kinds[10]).toBe('throttled');
    // Another address is not held back, and a correct sign-in from it works.
    expect((await attempt('ines.vcu', PASSWORD, '192.0.2.8')).kind).toBe('ok');
  });

  test('rows older than the window and the lockout are purged at the next failure', async () => {
    at(3 * 60 * 60_000);
    await attempt('ines.vcu', WRONG, '10.0.3.1');
    const oldest = await registry.deps.db
      .selectFrom('login_failure')
      .select((eb) => eb.fn.min('at').as('at'))
      .executeTakeFirstOrThrow();
    expect(new Date(oldest.at as Date).getTime()).toBeGreaterThanOrEqual(T0 + 3 * 60 * 60_000 - 30 * 60_000);
  });

  test('held-back and failed sign-ins are audit events; no password is stored anywhere in them', async () => {
    const events = await registry.deps.db
      .selectFrom('audit_event')
      .selectAll()
      .where('action', '=', 'session.login_failed')
      .execute();
    expect(events.length).toBeGreaterThan(20);
    expect(JSON.stringify(events)).not.toContain(WRONG);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  test('concurrent wrong guesses for one account are counted one by one (no burst slips past the delay)', async () => {
    at(5 * 60 * 60_000);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => attempt('ines.vcu', WRONG, `10.0.4.${i}`)),
    );
    expect(results.filter((r) => r.kind === 'refused')).toHaveLength(3);
    expect(results.filter((r) => r.kind === 'throttled')).toHaveLength(3);
  });

  test('a username PostgreSQL cannot store (NUL, a lone surrogate, cut inside a pair) is refused and counted, never an error', async () => {
    at(7 * 60 * 60_000);
    for (const username of ['cora\u0000.vcu', 'cora\ud800.vcu', `${'x'.repeat(63)}\u{1F600}`]) {
      expect(await attempt(username, WRONG, '10.0.5.1')).toEqual({
        kind: 'refused',
        message: SIGN_IN_REFUSED,
      });
    }
  });

  test('a session from a successful sign-in loads', async () => {
    at(6 * 60 * 60_000);
    const ok = await attempt('cora.vcu', PASSWORD);
    if (ok.kind !== 'ok') throw new Error('sign-in failed');
    expect((await loadSession(registry.deps, ok.token))?.username).toBe('cora.vcu');
  });
});
