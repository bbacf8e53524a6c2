import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADMIN, createTestRegistry, rejects } from '../../test/helpers/registry.js';
import { createSite, SYSTEM_ACTOR } from './index.js';
import { loadSession, sessionHash, signIn } from './sessions.js';
import { changeOwnPassword, resetPassword } from './user-passwords.js';
import { addMembership, removeMembership } from './user-sites.js';
import { addUser, changeRole, getUser, listUsers, setFullName, setUserDisabled } from './users.js';

const PASSWORD = 'sacral-cement-2026';
const NEW_PASSWORD = 'vertebral-augment-77';

describe('accounts: own password, reset, disable, role, sites, name', () => {
  let registry: Awaited<ReturnType<typeof createTestRegistry>>;
  const ids: Record<string, string> = {};
  let ip = 0;
  const session = async (username: string, password = PASSWORD) => {
    const r = await signIn(registry.deps, { username, password, ip: `10.1.0.${ip++}` });
    if (r.kind !== 'ok') throw new Error(`sign-in of ${username}: ${r.kind}`);
    return r.token;
  };
  const audit = (action: string) =>
    registry.deps.db.selectFrom('audit_event').selectAll().where('action', '=', action).execute();

  beforeAll(async () => {
    registry = await createTestRegistry();
    for (const id of ['VCU', 'APMSS']) await createSite(registry.deps, SYSTEM_ACTOR, { id, name: id });
    for (const [username, role, siteId] of [
      ['ada.admin', 'admin', null],
      ['cora.vcu', 'coordinator', 'VCU'],
      ['ivan.vcu', 'investigator', 'VCU'],
      ['mona.monitor', 'monitor', null],
    ] as const) {
      ids[username] = (
        await addUser(registry.deps, SYSTEM_ACTOR, { username, role, siteId, password: PASSWORD })
      ).id;
    }
  });
  afterAll(() => registry.destroy());

  test('a user changes their own password: the current one must be right, the new one must pass the policy; other sessions end, this one stays', async () => {
    const here = await session('cora.vcu');
    const elsewhere = await session('cora.vcu');
    const who = { userId: ids['cora.vcu']!, sessionHash: sessionHash(here) };
    const wrong = await rejects(
      changeOwnPassword(registry.deps, who, { currentPassword: 'not-it-at-all', newPassword: NEW_PASSWORD }),
    );
    expect(wrong.code).toBe('VALIDATION_FAILED');
    expect(wrong.issues[0]!.path).toEqual(['currentPassword']);
    const weak = await rejects(
      changeOwnPassword(registry.deps, who, { currentPassword: PASSWORD, newPassword: 'password1234' }),
    );
    expect(weak.issues[0]!.path).toEqual(['newPassword']);
    expect(weak.message).toMatch(/newPassword: password is/);

    await changeOwnPassword(registry.deps, who, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD });
    expect(await loadSession(registry.deps, here)).not.toBeNull();
    expect(await loadSession(registry.deps, elsewhere)).toBeNull();
    expect(
      (await signIn(registry.deps, { username: 'cora.vcu', password: PASSWORD, ip: '10.1.1.1' })).kind,
    ).toBe('refused');
    await session('cora.vcu', NEW_PASSWORD);
    const events = await audit('user.password_change');
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(NEW_PASSWORD);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  test('wrong current passwords count like failed sign-ins: after three the form holds back, and every issue is told at once', async () => {
    const here = await session('mona.monitor');
    const who = { userId: ids['mona.monitor']!, sessionHash: sessionHash(here) };
    const both = await rejects(
      changeOwnPassword(registry.deps, who, { currentPassword: 'wrong-guess-one', newPassword: 'short' }),
    );
    expect(both.issues.map((i) => i.path[0])).toEqual(['currentPassword', 'newPassword']);
    for (const guess of ['wrong-guess-two', 'wrong-guess-three']) {
      await rejects(
        changeOwnPassword(registry.deps, who, { currentPassword: guess, newPassword: NEW_PASSWORD }),
      );
    }
    const held = await rejects(
      changeOwnPassword(registry.deps, who, { currentPassword: PASSWORD, newPassword: NEW_PASSWORD }),
    );
    expect(held.message).toMatch(/too many wrong passwords/);
    // Sign-in is held back too: the count is the account's.
    expect(
      (await signIn(registry.deps, { username: 'mona.monitor', password: PASSWORD, ip: '10.1.9.9' })).kind,
    ).toBe('throttled');
    expect(
      (await audit('user.password_change_failed')).filter((e) => e.actor === 'mona.monitor'),
    ).toHaveLength(3);
    registry.setTime('2026-03-02T09:05:00.000Z');
    await session('mona.monitor');
    registry.setTime('2026-03-02T09:00:00.000Z');
  });

  test('the admin resets a password: every session of the user ends; the password is not in the audit trail', async () => {
    const token = await session('ivan.vcu');
    await resetPassword(registry.deps, ADMIN, ids['ivan.vcu']!, { newPassword: NEW_PASSWORD });
    expect(await loadSession(registry.deps, token)).toBeNull();
    await session('ivan.vcu', NEW_PASSWORD);
    const events = await audit('user.password_reset');
    expect(events).toHaveLength(1);
    expect(events[0]!.actor).toBe('ada.admin');
    expect(JSON.stringify(events)).not.toContain(NEW_PASSWORD);
    const weak = await rejects(
      resetPassword(registry.deps, ADMIN, ids['ivan.vcu']!, { newPassword: 'short' }),
    );
    expect(weak.code).toBe('VALIDATION_FAILED');
  });

  test('the admin disables a user (sessions end at once, sign-in refused) and enables them again', async () => {
    const token = await session('mona.monitor');
    await setUserDisabled(registry.deps, ADMIN, ids['mona.monitor']!, true);
    expect(await loadSession(registry.deps, token)).toBeNull();
    expect(
      (await signIn(registry.deps, { username: 'mona.monitor', password: PASSWORD, ip: '10.1.2.1' })).kind,
    ).toBe('refused');
    await setUserDisabled(registry.deps, ADMIN, ids['mona.monitor']!, false);
    await session('mona.monitor');
    expect((await audit('user.disable')).length).toBe(1);
    expect((await audit('user.enable')).length).toBe(1);
    expect((await rejects(setUserDisabled(registry.deps, ADMIN, ids['ada.admin']!, true))).code).toBe(
      'INVALID_STATE',
    );
  });

  test('site membership: a coordinator adds a second site, keeps at least one; a live session sees the change', async () => {
    const token = await session('cora.vcu', NEW_PASSWORD);
    await addMembership(registry.deps, ADMIN, ids['cora.vcu']!, 'APMSS');
    expect((await loadSession(registry.deps, token))?.sites).toEqual(['APMSS', 'VCU']);
    await removeMembership(registry.deps, ADMIN, ids['cora.vcu']!, 'VCU');
    const after = await loadSession(registry.deps, token);
    expect(after?.sites).toEqual(['APMSS']);
    // The removed site was active: the session no longer reaches it.
    expect(after?.actor.siteId).toBeNull();
    const last = await rejects(removeMembership(registry.deps, ADMIN, ids['cora.vcu']!, 'APMSS'));
    expect(last.code).toBe('VALIDATION_FAILED');
    expect(last.message).toMatch(/at least one site/);
    expect((await rejects(addMembership(registry.deps, ADMIN, ids['cora.vcu']!, 'NOPE'))).code).toBe(
      'SITE_NOT_FOUND',
    );
    expect((await rejects(addMembership(registry.deps, ADMIN, ids['mona.monitor']!, 'VCU'))).code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await audit('user.site_add')).length).toBe(1);
    expect((await audit('user.site_remove')).length).toBe(1);
  });

  test.each([
    ['NOPE', 'site NOPE does not exist'],
    ['VCU\n', 'site VCU\\n does not exist'],
  ])(
    'a user added at a site that does not exist (%j) is SITE_NOT_FOUND, as a membership is',
    async (siteId, message) => {
      const refused = await rejects(
        addUser(registry.deps, SYSTEM_ACTOR, {
          username: 'nora.nosite',
          role: 'coordinator',
          siteId,
          password: PASSWORD,
        }),
      );
      expect([refused.code, refused.message]).toEqual(['SITE_NOT_FOUND', message]);
    },
  );

  test("two admins removing a user's two sites at once: one wins, the user keeps a site", async () => {
    const id = (
      await addUser(registry.deps, SYSTEM_ACTOR, {
        username: 'tess.two',
        role: 'investigator',
        siteId: 'VCU',
        password: PASSWORD,
      })
    ).id;
    await addMembership(registry.deps, ADMIN, id, 'APMSS');
    const results = await Promise.allSettled([
      removeMembership(registry.deps, ADMIN, id, 'VCU'),
      removeMembership(registry.deps, ADMIN, id, 'APMSS'),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await getUser(registry.deps, ADMIN, id)).sites).toHaveLength(1);
  });

  test('role changes: to a site role needs a site; to a cross-site role drops the sites; each an audit event with before and after', async () => {
    const noSite = await rejects(
      changeRole(registry.deps, ADMIN, ids['mona.monitor']!, { role: 'coordinator' }),
    );
    expect(noSite.issues[0]!.path).toEqual(['siteId']);
    await changeRole(registry.deps, ADMIN, ids['mona.monitor']!, { role: 'coordinator', siteId: 'VCU' });
    expect((await getUser(registry.deps, ADMIN, ids['mona.monitor']!)).sites).toEqual(['VCU']);
    await changeRole(registry.deps, ADMIN, ids['mona.monitor']!, { role: 'monitor' });
    const mona = await getUser(registry.deps, ADMIN, ids['mona.monitor']!);
    expect([mona.role, mona.sites]).toEqual(['monitor', []]);
    const events = await audit('user.role_change');
    expect(events.map((e) => [e.before, e.after])).toEqual([
      [
        { role: 'monitor', sites: [] },
        { role: 'coordinator', sites: ['VCU'] },
      ],
      [
        { role: 'coordinator', sites: ['VCU'] },
        { role: 'monitor', sites: [] },
      ],
    ]);
    expect(
      (await rejects(changeRole(registry.deps, ADMIN, ids['mona.monitor']!, { role: 'root' }))).code,
    ).toBe('VALIDATION_FAILED');
    expect(
      (await rejects(changeRole(registry.deps, ADMIN, ids['ada.admin']!, { role: 'monitor' }))).code,
    ).toBe('INVALID_STATE');
  });

  test('full name is stored as typed (markup and SQL included) and audited', async () => {
    const name = `<script>alert(1)</script>'); drop table app_user; --`;
    await setFullName(registry.deps, ADMIN, ids['ivan.vcu']!, name);
    expect((await getUser(registry.deps, ADMIN, ids['ivan.vcu']!)).fullName).toBe(name);
    expect((await rejects(setFullName(registry.deps, ADMIN, ids['ivan.vcu']!, 'x'.repeat(201)))).code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await audit('user.update'))[0]!.after).toEqual({ full_name: name });
  });

  test('only the admin manages users; an unknown or malformed user id is not found', async () => {
    const coordinator = { username: 'cora.vcu', role: 'coordinator' as const, siteId: 'VCU' };
    expect((await rejects(listUsers(registry.deps, coordinator))).code).toBe('FORBIDDEN');
    expect(
      (
        await rejects(
          resetPassword(registry.deps, coordinator, ids['ivan.vcu']!, { newPassword: NEW_PASSWORD }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect((await rejects(getUser(registry.deps, ADMIN, 'not-a-uuid'))).code).toBe('USER_NOT_FOUND');
    expect((await rejects(getUser(registry.deps, ADMIN, '00000000-0000-4000-8000-000000000000'))).code).toBe(
      'USER_NOT_FOUND',
    );
    expect((await listUsers(registry.deps, ADMIN)).map((u) => u.username)).toEqual([
      'ada.admin',
      'cora.vcu',
      'ivan.vcu',
      'mona.monitor',
      'tess.two',
    ]);
  });
});
