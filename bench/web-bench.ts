// Page render times of the staff web application (issue 8 §5): server-side time of each page, in
// process (`app.request`, the whole Hono stack: session, guard, reads, JSX, headers), p50 and p95
// over repeated requests, on a registry of `sifreg demo --subjects 10000` (its data dir is passed in).
import os from 'node:os';
import { sql } from 'kysely';
import { SACROPLASTY_SIF } from '../src/protocol/index.js';
import { addUser, SYSTEM_ACTOR, seededRandom } from '../src/registry/index.js';
import { buildAppWithRules } from '../src/server/app.js';
import { openDatabase } from '../src/store/index.js';

const PASSWORD = 'bench-web-password-2026';

type App = ReturnType<typeof buildAppWithRules>['app'];

/** Signs in through the login form, as a browser does; gives a request that carries the session cookie. */
async function signedIn(
  app: App,
  username: string,
): Promise<(path: string, form?: Record<string, string>) => Promise<Response>> {
  const res = await app.request('/login', {
    method: 'POST',
    body: new URLSearchParams({ username, password: PASSWORD }),
    headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
  });
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`sign-in of ${username} answered ${res.status}`);
  return async (path, form) =>
    form === undefined
      ? app.request(path, { headers: { cookie } })
      : app.request(path, {
          method: 'POST',
          body: new URLSearchParams(form),
          headers: {
            cookie,
            origin: 'http://localhost',
            'content-type': 'application/x-www-form-urlencoded',
          },
        });
}

type Get = Awaited<ReturnType<typeof signedIn>>;

/** Saves the pain form with `score` (an amendment with a reason); gives the POST's time. */
async function amend(get: Get, path: string, scale: string, score: string): Promise<number> {
  const page = await (await get(path)).text();
  const version = /name="version" value="(\d+)"/.exec(page)?.[1];
  if (!version) throw new Error(`${path}: no version on the form`);
  const start = performance.now();
  const res = await get(path, {
    'a.scale': scale,
    'a.score': score,
    reason: 'benchmark: score re-entered',
    action: 'complete',
    version,
  });
  await res.text();
  if (res.status !== 303) throw new Error(`POST ${path}: ${res.status}`);
  return performance.now() - start;
}

/**
 * The form page (GET) and its save (POST: an amendment of the pain score with a reason, the score
 * moved by one and back, so the registry ends as it began), each timed `n` times after 3 unmeasured.
 */
async function formTimes(
  get: Get,
  path: string,
  stored: { scale: string; score: string },
  n: number,
): Promise<PageMeasure[]> {
  const other = String(Number(stored.score) >= 5 ? Number(stored.score) - 1 : Number(stored.score) + 1);
  const reads: number[] = [];
  const saves: number[] = [];
  let current = stored.score;
  const save = async (score: string, timed: boolean) => {
    const took = await amend(get, path, stored.scale, score);
    if (timed) saves.push(took);
    current = score;
  };
  for (let i = 0; i < n + 3; i++) {
    const start = performance.now();
    const res = await get(path);
    await res.text();
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    if (i >= 3) reads.push(performance.now() - start);
    await save(current === stored.score ? other : stored.score, i >= 3);
  }
  if (current !== stored.score) await save(stored.score, false);
  reads.sort((a, b) => a - b);
  saves.sort((a, b) => a - b);
  return [
    {
      page: 'Form (pain), GET',
      user: 'bench.cora',
      n,
      p50: quantile(reads, 0.5),
      p95: quantile(reads, 0.95),
    },
    {
      page: 'Form (pain), POST (amend)',
      user: 'bench.cora',
      n,
      p50: quantile(saves, 0.5),
      p95: quantile(saves, 0.95),
    },
  ];
}

export interface PageMeasure {
  page: string;
  user: string;
  n: number;
  p50: number;
  p95: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

/** Times each page `n` times (after 3 unmeasured requests) as a VCU coordinator and as the monitor. */
export async function benchWeb(
  dataDir: string,
  n = 30,
): Promise<{ measures: PageMeasure[]; subjects: number; load: string }> {
  const handle = await openDatabase({ dataDir });
  try {
    const registry = {
      db: handle.db,
      clock: () => new Date(),
      random: seededRandom(7),
      protocol: SACROPLASTY_SIF,
    };
    for (const [username, role, siteId] of [
      ['bench.cora', 'coordinator', 'VCU'],
      ['bench.mona', 'monitor', null],
    ] as const) {
      await addUser(registry, SYSTEM_ACTOR, { username, role, siteId, password: PASSWORD }).catch((error) => {
        if ((error as { code?: string }).code !== 'USER_EXISTS') throw error;
      });
    }
    const count = await handle.db
      .selectFrom('subject')
      .select((e) => e.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const study = await handle.db
      .selectFrom('subject')
      .select('study_id')
      .where('site_id', '=', 'VCU')
      .where('status', '=', 'treated')
      .orderBy('study_id')
      .limit(1)
      .executeTakeFirstOrThrow();
    // A complete pain form of a VCU subject: the form page, and its save (an amendment with a reason).
    const pain = await handle.db
      .selectFrom('response')
      .select([
        'study_id',
        'visit',
        'instance',
        sql<string>`answers->>'scale'`.as('scale'),
        sql<string>`answers->>'score'`.as('score'),
      ])
      .where('site_id', '=', 'VCU')
      .where('instrument', '=', 'pain')
      .where('status', '=', 'complete')
      .where('locked_at', 'is', null)
      .where(sql<boolean>`answers ? 'score' and answers ? 'scale'`)
      .orderBy('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    const formPath = `/subjects/${pain.study_id}/visits/${pain.visit}/forms/pain/${pain.instance}`;
    const build = () => buildAppWithRules({ registry, log: () => {} }).app;
    const app = build();
    const pages: [string, string][] = [
      ['Dashboard', '/dashboard'],
      ['Grid, page 20 by study id', '/subjects?page=20'],
      ['Grid, overdue', '/subjects?state=overdue'],
      ['Grid, by next due date', '/subjects?sort=next_due'],
      ['Worklist: due and overdue', '/worklists/due'],
      ['Worklist: care gap', '/worklists/care-gap'],
      ['Worklist: unsigned', '/worklists/unsigned'],
      ['Subject page', `/subjects/${study.study_id}`],
    ];
    const measures: PageMeasure[] = [];
    const load: string[] = [os.loadavg()[0]!.toFixed(2)];
    const writer = await signedIn(app, 'bench.cora');
    for (const username of ['bench.cora', 'bench.mona']) {
      const get = await signedIn(app, username);
      for (const [page, path] of pages) {
        const times: number[] = [];
        for (let i = 0; i < n + 3; i++) {
          const start = performance.now();
          const res = await get(path);
          await res.text();
          if (res.status !== 200) throw new Error(`${path} as ${username}: ${res.status}`);
          if (i >= 3) times.push(performance.now() - start);
        }
        times.sort((a, b) => a - b);
        measures.push({ page, user: username, n, p50: quantile(times, 0.5), p95: quantile(times, 0.95) });
      }
      if (username === 'bench.cora') measures.push(...(await formTimes(get, formPath, pain, n)));
      // The dashboard in the same process right after a write (the pain score amended by the VCU
      // coordinator, moved by one and back): what the view cache and the care tally bring up to date.
      const other = String(Number(pain.score) >= 5 ? Number(pain.score) - 1 : Number(pain.score) + 1);
      const afterWrite: number[] = [];
      await get('/dashboard').then((r) => r.text());
      for (let i = 0; i < Math.min(n, 10); i++) {
        await amend(writer, formPath, pain.scale, i % 2 === 0 ? other : pain.score);
        const start = performance.now();
        const res = await get('/dashboard');
        await res.text();
        if (res.status !== 200) throw new Error(`/dashboard as ${username}: ${res.status}`);
        afterWrite.push(performance.now() - start);
      }
      afterWrite.sort((a, b) => a - b);
      measures.push({
        page: 'Dashboard, same process after a write',
        user: username,
        n: afterWrite.length,
        p50: quantile(afterWrite, 0.5),
        p95: quantile(afterWrite, 0.95),
      });
      // The pages kept in the view cache, right after a write (the amendment above): a new
      // process's first request, nothing cached yet.
      for (const [page, path] of [
        ['Dashboard, new process after a write', '/dashboard'],
        ['Grid by next due date, new process after a write', '/subjects?sort=next_due'],
      ]) {
        const cold: number[] = [];
        for (let i = 0; i < Math.min(n, 10); i++) {
          await amend(writer, formPath, pain.scale, i % 2 === 0 ? other : pain.score);
          const fresh = await signedIn(build(), username);
          const start = performance.now();
          const res = await fresh(path!);
          await res.text();
          cold.push(performance.now() - start);
        }
        cold.sort((a, b) => a - b);
        measures.push({
          page: page!,
          user: username,
          n: cold.length,
          p50: quantile(cold, 0.5),
          p95: quantile(cold, 0.95),
        });
      }
    }
    load.push(os.loadavg()[0]!.toFixed(2));
    return { measures, subjects: Number(count.n), load: load.join(' → ') };
  } finally {
    await handle.close();
  }
}

/** The BENCHMARKS.md section of the page times. */
export function webSection(r: Awaited<ReturnType<typeof benchWeb>>, machine: string): string {
  const who = { 'bench.cora': 'coordinator (VCU)', 'bench.mona': 'monitor (all sites)' } as Record<
    string,
    string
  >;
  const rows = r.measures.map(
    (m) =>
      `| ${m.page} | ${who[m.user] ?? m.user} | ${m.n} | ${m.p50.toFixed(1)} | ${m.p95.toFixed(1)} | ${m.p95 < 100 ? 'yes' : 'no'} |`,
  );
  return [
    '## Page render (staff web application)',
    '',
    `Server-side time per page (in process: session, access rule, reads, JSX, headers), ${r.subjects.toLocaleString('en-US')} subjects`,
    `(\`sifreg demo --subjects 10000\`), \`npm run bench -- --only web --data-dir DIR\`. Budget: p95 < 100 ms.`,
    `Machine: ${machine}; load average (1 min) ${r.load}${
      Math.max(...r.load.split(' → ').map(Number)) > 1.5
        ? ': the machine was shared while measuring.'
        : ' (nothing else running).'
    }`,
    'Each page is requested n times in a row after 3 unmeasured requests; the order by next due date, the grid',
    "by state, the due lists and the dashboard's overdue count are kept in the process's view cache until the next",
    'data write, so the rows "new process after a write" (a new process\'s first request, nothing cached) give',
    'their cost then; "same process after a write" is the first request after each of 10 pain-score amendments.',
    "The dashboard's care figures are summed from the care tally in PostgreSQL (0019), in every process.",
    'Form POST is an amendment of a pain score with a reason (a write: the 303 after the save).',
    '',
    '| page | as | n | p50 ms | p95 ms | within budget |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
