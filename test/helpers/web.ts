import { addUser, createSite, type Role, SYSTEM_ACTOR } from '../../src/registry/index.js';
import { type AppDeps, buildAppWithRules } from '../../src/server/app.js';
import { createTestRegistry } from './registry.js';

/** The password every seeded staff member has (passes the password policy). */
export const STAFF_PASSWORD = 'sacral-cement-2026';

/**
 * Staff of the two test sites, one per role; usernames as in helpers/registry.ts. `dana.multi` is a
 * coordinator at both sites.
 */
export const STAFF: readonly { username: string; role: Role; site?: string }[] = [
  { username: 'ada.admin', role: 'admin' },
  { username: 'cora.vcu', role: 'coordinator', site: 'VCU' },
  { username: 'ivan.vcu', role: 'investigator', site: 'VCU' },
  { username: 'cole.apmss', role: 'coordinator', site: 'APMSS' },
  { username: 'iris.apmss', role: 'investigator', site: 'APMSS' },
  { username: 'mona.monitor', role: 'monitor' },
  { username: 'stan.stats', role: 'statistician' },
];

/** A browser-like client of the in-process app: keeps the session cookie, sends the app's Origin. */
export class WebClient {
  constructor(
    private readonly app: ReturnType<typeof buildAppWithRules>['app'],
    public cookie: string | null = null,
    private readonly origin = 'http://localhost',
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.keep(await this.app.request(path, { headers: { ...this.headers(), ...headers } }));
  }

  async post(path: string, form: Record<string, string | string[]> = {}): Promise<Response> {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    const res = await this.app.request(path, {
      method: 'POST',
      body,
      headers: {
        ...this.headers(),
        origin: this.origin,
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    return this.keep(res);
  }

  /** Signs in through the login form; throws unless it succeeds. */
  async signIn(username: string, password = STAFF_PASSWORD): Promise<this> {
    const res = await this.post('/login', { username, password });
    if (res.status !== 303) throw new Error(`sign-in of ${username} answered ${res.status}`);
    return this;
  }

  private headers(): Record<string, string> {
    return this.cookie ? { cookie: this.cookie } : {};
  }

  private keep(res: Response): Response {
    const set = res.headers.get('set-cookie');
    if (set) {
      const [pair] = set.split(';');
      this.cookie = pair && !/=(;|$)/.test(pair) && !/max-age=0/i.test(set) ? pair : null;
    }
    return res;
  }
}

/** A fresh registry with sites VCU and APMSS, one user per role, and the web app over it. */
export async function createTestWeb(now?: string, extra: Partial<AppDeps> = {}) {
  const registry = await createTestRegistry(now);
  const deps = registry.deps;
  for (const id of ['VCU', 'APMSS']) await createSite(deps, SYSTEM_ACTOR, { id, name: `${id} spine center` });
  for (const s of STAFF) {
    await addUser(deps, SYSTEM_ACTOR, {
      username: s.username,
      role: s.role,
      siteId: s.site ?? null,
      password: STAFF_PASSWORD,
    });
  }
  const logs: string[] = [];
  const { app, rules } = buildAppWithRules({ registry: deps, log: (l) => logs.push(l), ...extra });
  return {
    registry,
    app,
    rules,
    logs,
    client: () => new WebClient(app),
    /** A client signed in as the given user. */
    as: (username: string) => new WebClient(app).signIn(username),
    destroy: () => registry.destroy(),
  };
}
