import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/helpers/database.js';
import { appendAudit } from '../audit.js';
import { checkAuditedRows, parseAuditHead, verifyAudit } from '../audit-verify.js';
import type { Database } from '../schema.js';
import { type BackupOptions, backupDatabase } from './backup.js';
import { describeTables, rowOrder } from './backup-format.js';
import { type BackupKey, loadBackupKey } from './backup-key.js';
import { restoreDatabase } from './restore.js';

let source: TestDatabase;
let dir: string;
let file: string;
const AT = new Date('2026-03-02T09:00:00.000Z');
let KEY: BackupKey;
let OTHER_KEY: BackupKey;
const by = (key: BackupKey = KEY): BackupOptions => ({ key, actor: 'ada.admin', at: AT });
const restore = (db: Kysely<Database>, from: string, key: BackupKey = KEY) =>
  restoreDatabase(db, from, { key, actor: 'ada.admin', at: AT });

async function fill(db: Kysely<Database>): Promise<void> {
  for (const [id, name] of [
    ['VCU', 'Virginia Commonwealth University'],
    ['APMSS', 'Atlantic Pain'],
  ] as const) {
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('site').values({ id, name }).execute();
      await trx.insertInto('site_sequence').values({ site_id: id, last_seq: 0 }).execute();
      await appendAudit(trx, {
        at: AT,
        actor: 'ada.admin',
        action: 'site.add',
        siteId: id,
        entity: 'site',
        entityId: id,
        after: { name },
      });
    });
  }
  await db
    .insertInto('app_user')
    .values({ username: 'cora.vcu', password_hash: '$argon2id$x', role: 'coordinator', site_id: 'VCU' })
    .execute();
  // Many subjects in SQL: the backup streams them through a cursor, the restore in batches.
  await sql`insert into subject (study_id, site_id, seq, status, enrolled_on, index_date, date_shift_days, protocol_id, protocol_version)
    select s || '-' || lpad(n::text, 4, '0'), s, n, 'treated', date '2026-01-01' + n % 300, date '2026-01-02' + n % 300,
           (n % 365) - 182, 'sacroplasty-sif', '1.0'
    from (values ('VCU'), ('APMSS')) sites(s), generate_series(1, 1500) n`.execute(db);
  await sql`update site_sequence set last_seq = 1500`.execute(db);
  await sql`insert into subject_identity (study_id, site_id, family_name, given_name, birth_date, email)
    select study_id, site_id, 'Müller ' || seq, 'Zoë', date '1940-01-01' + seq, 'p' || seq || '@example.org'
    from subject where seq % 3 = 0`.execute(db);
  await sql`insert into response (site_id, study_id, visit, instrument, instrument_version, protocol_version, answers,
      scores, pain_nrs, odi_pct, mme_day, opioid_any, status, entered_by, entered_by_kind, collected_on, created_at)
    select site_id, study_id, v, 'pain', '1', '1.0', jsonb_build_object('pain_now', seq % 11, 'note', 'a "quoted" 😀'),
           jsonb_build_object('pain_nrs', (seq % 11)::float8 / 3), (seq % 11)::float8 / 3, 0.1::float8 + 0.2::float8,
           null, seq % 2 = 0, 'complete', 'cora.vcu', 'staff', date '2026-01-01' + seq % 300,
           timestamptz '2026-01-01 10:00:00.123456+00' + seq * interval '1 minute'
    from subject, unnest(array['baseline', 'week2']) v`.execute(db);
  const first = await db
    .selectFrom('response')
    .select(['id', 'site_id', 'study_id'])
    .orderBy('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('query')
    .values({
      site_id: first.site_id,
      study_id: first.study_id,
      response_id: first.id,
      item: 'pain_now',
      text: 'Please confirm',
      raised_by: 'mona.monitor',
    })
    .execute();
  for (let i = 0; i < 50; i++) {
    await appendAudit(db, {
      at: new Date(AT.getTime() + i),
      actor: 'cora.vcu',
      action: 'response.amend',
      siteId: 'VCU',
      entity: 'response',
      entityId: String(i),
      before: { v: i },
      after: { v: i + 0.5 },
      reason: 'typo',
    });
  }
}

/** Every table as text rows in a fixed order (rowOrder): equal means equal to the last microsecond and bit. */
async function dump(db: Kysely<Database>): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of await describeTables(db as unknown as Kysely<unknown>)) {
    const { rows } = await sql<{
      r: string;
    }>`select t::text as r from ${sql.table(t.name)} t order by ${sql.join(rowOrder(t).map((c) => sql.ref(c)))}`.execute(
      db,
    );
    out[t.name] = rows.map((r) => r.r);
  }
  return out;
}

/**
 * Edits a backup's lines; `resign` recomputes the checksum, and the HMAC too when given the key
 * (without it, the forger's case: a recomputed checksum and the old HMAC).
 */
async function rewrite(
  from: string,
  to: string,
  edit: (lines: string[]) => string[],
  resign: false | 'checksum' | BackupKey = false,
): Promise<void> {
  let lines = gunzipSync(await readFile(from))
    .toString('utf8')
    .split('\n')
    .slice(0, -1);
  lines = edit(lines);
  if (resign) {
    const body = lines
      .slice(0, -1)
      .map((l) => `${l}\n`)
      .join('');
    const trailer = JSON.parse(lines.at(-1)!);
    trailer.sha256 = createHash('sha256').update(body).digest('hex');
    if (typeof resign === 'object')
      trailer.hmac = createHmac('sha256', resign.key).update(body).digest('hex');
    lines[lines.length - 1] = JSON.stringify(trailer);
  }
  await writeFile(to, gzipSync(lines.map((l) => `${l}\n`).join('')));
}

beforeAll(async () => {
  source = await createTestDatabase();
  await fill(source.db);
  dir = await mkdtemp(join(tmpdir(), 'sifreg-backup-'));
  file = join(dir, 'registry.sifreg.gz');
  KEY = await loadBackupKey({ dataDir: dir, create: true });
  OTHER_KEY = await loadBackupKey({
    env: 'another registry’s key, long enough to use',
    dataDir: dir,
    create: false,
  });
});
afterAll(async () => {
  await source.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  test('a restored registry equals the original in every table, and its audit chain verifies', async () => {
    const progress: number[] = [];
    const backup = await backupDatabase(source.app!, file, {
      ...by(),
      onProgress: (p) => progress.push(p.done),
    });
    expect(backup.tables).toMatchObject({
      site: 2,
      subject: 3000,
      subject_identity: 1000,
      response: 6000,
      query: 1,
      audit_event: 52,
    });
    expect(backup.audit_head).toMatch(/^52:[0-9a-f]{64}$/);
    expect(progress.at(-1)).toBe(Object.values(backup.tables).reduce((a, b) => a + b, 0));
    expect((await stat(file)).mode & 0o777).toBe(0o600);

    const target = await createTestDatabase();
    try {
      const restored = await restore(target.app!, file);
      expect(restored).toEqual(backup);
      const [was, now] = [await dump(source.db), await dump(target.db)];
      // Every table equal; the chains equal up to the backup's head, then the source recorded the
      // backup and the target the restore.
      for (const chain of ['audit_event', 'audit_row']) {
        expect(now[chain]!.slice(0, 52)).toEqual(was[chain]!.slice(0, 52));
        delete now[chain];
        delete was[chain];
      }
      expect(now).toEqual(was);
      const anchor = parseAuditHead(backup.audit_head)!;
      expect(await verifyAudit(target.app!, undefined, { anchor })).toMatchObject({ ok: true, count: 53 });
      const last = async (db: Kysely<Database>) =>
        (
          await db
            .selectFrom('audit_event')
            .select(['action', 'entity_id'])
            .orderBy('id', 'desc')
            .limit(1)
            .execute()
        )[0];
      expect(await last(source.db)).toEqual({ action: 'registry.backup', entity_id: backup.sha256 });
      expect(await last(target.db)).toEqual({ action: 'registry.restore', entity_id: backup.sha256 });
      // What the source's rows were in its chain, they are in the restored one.
      expect(await checkAuditedRows(target.app!)).toEqual(await checkAuditedRows(source.app!));
      // Identity sequences continue after the restored ids, and the chain after the restored head.
      const next = await target.db
        .insertInto('query')
        .values({
          site_id: 'VCU',
          study_id: 'VCU-0001',
          response_id: 1,
          item: 'x',
          text: 'y',
          raised_by: 'z',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      expect(next.id).toBe(2);
      await appendAudit(target.db, {
        at: AT,
        actor: 'a',
        action: 'b',
        siteId: null,
        entity: 'c',
        entityId: 'd',
      });
      expect(await verifyAudit(target.db)).toMatchObject({ ok: true, count: 54 });
    } finally {
      await target.destroy();
    }
  });

  test("two backups of unchanged data carry the same rows, and the second the first one's event", async () => {
    const again = join(dir, 'again.gz');
    const lines = async (f: string) =>
      gunzipSync(await readFile(f))
        .toString('utf8')
        .split('\n')
        .slice(1, -2);
    await backupDatabase(source.app!, again, by());
    const [a, b] = [await lines(file), await lines(again)];
    const section = (l: string[]) => {
      const from = l.findIndex((x) => x.startsWith('{"table":"audit_event"'));
      const to = l.findIndex((x, i) => i > from && x.startsWith('{"table":'));
      return [from, to === -1 ? l.length : to] as const;
    };
    const inChain = (l: string[]) => l.slice(...section(l));
    const outside = (l: string[]) => [...l.slice(0, section(l)[0]), ...l.slice(section(l)[1])];
    expect(outside(b)).toEqual(outside(a));
    expect(inChain(b).length).toBe(inChain(a).length + 1);
    expect(inChain(b).at(-1)).toContain('registry.backup');
  });

  const refusals: [string, (to: string) => Promise<void>, RegExp][] = [
    [
      'a changed row',
      (to) => rewrite(file, to, (l) => l.map((x) => x.replace('Müller 3"', 'Miller 3"'))),
      /checksum mismatch/,
    ],
    [
      'a dropped row',
      (to) => rewrite(file, to, (l) => l.filter((x) => !x.includes('"VCU-0003"'))),
      /checksum mismatch/,
    ],
    ['a missing trailer', (to) => rewrite(file, to, (l) => l.slice(0, -1)), /truncated \(no trailer\)/],
    [
      'a cut-off gzip stream',
      async (to) => writeFile(to, (await readFile(file)).subarray(0, 20_000)),
      /the file is truncated/,
    ],
    ['a file that is not gzip', (to) => writeFile(to, '{"format":"sifreg-backup"}\n'), /not gzip data/],
    ['an empty file', (to) => writeFile(to, gzipSync('')), /the file is empty/],
    [
      'a row count that disagrees with the trailer',
      (to) => rewrite(file, to, (l) => l.filter((x) => !x.includes('"VCU-0003"')), KEY),
      /table \w+ has \d+ rows, the trailer says \d+/,
    ],
    [
      'an unknown format version',
      (to) => rewrite(file, to, (l) => [l[0]!.replace('"version":2', '"version":3'), ...l.slice(1)], KEY),
      /version 3 is not supported/,
    ],
    [
      'a file of format version 1 (no authentication)',
      (to) => rewrite(file, to, (l) => [l[0]!.replace('"version":2', '"version":1'), ...l.slice(1)], KEY),
      /version 1 is not authenticated/,
    ],
    [
      'an edited identity with a recomputed checksum (a forger without the key)',
      (to) => rewrite(file, to, (l) => l.map((x) => x.replace('Müller 3"', 'Miller 3"')), 'checksum'),
      /^\S+ is not a usable backup: its authentication code does not match the backup key: the file was forged or edited after it was written$/,
    ],
    [
      'an added administrator with a recomputed checksum',
      (to) =>
        rewrite(
          file,
          to,
          (l) => {
            const i = l.findIndex((x) => x.startsWith('{"table":"app_user"'));
            const row = JSON.parse(l[i + 1]!) as string[];
            const forged = row.map((v, c) => (c === 0 ? '00000000-0000-4000-8000-000000000000' : v));
            return [
              ...l.slice(0, i + 1),
              JSON.stringify(forged.map((v) => (v === 'coordinator' ? 'admin' : v))),
              ...l.slice(i + 1),
            ];
          },
          'checksum',
        ),
      /forged or edited/,
    ],
    [
      "a file signed with another registry's key",
      (to) => rewrite(file, to, (l) => l, OTHER_KEY),
      /forged or edited/,
    ],
    [
      'a file whose header names another key',
      (to) =>
        rewrite(
          file,
          to,
          (l) => [l[0]!.replace(/"key_id":"[0-9a-f]+"/, `"key_id":"${OTHER_KEY.id}"`), ...l.slice(1)],
          OTHER_KEY,
        ),
      /made with another backup key \(key id [0-9a-f]{16}; .* has [0-9a-f]{16}\): pass that key with --key-file/,
    ],
    [
      'a row that does not fit its table',
      (to) => rewrite(file, to, (l) => l.map((x, i) => (i === 2 ? '["VCU"]' : x)), KEY),
      /does not match its columns/,
    ],
    ['data after the trailer', (to) => rewrite(file, to, (l) => [...l, '["x"]']), /data after the trailer/],
    ['a file that does not exist', async () => {}, /does not exist/],
  ];

  test.each(refusals)('refuses %s and writes nothing', async (_name, make, problem) => {
    const bad = join(dir, `bad-${Math.random().toString(36).slice(2)}.gz`);
    await make(bad);
    const target = await createTestDatabase();
    try {
      const error = await restore(target.app!, bad).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BACKUP_INVALID' });
      expect((error as Error).message).toMatch(problem);
      expect(Object.values(await dump(target.db)).flat()).toEqual([]);
    } finally {
      await target.destroy();
    }
  });

  test('refuses to restore over a registry that has data', async () => {
    const target = await createTestDatabase();
    try {
      await target.db.insertInto('site').values({ id: 'XYZ', name: 'Existing' }).execute();
      const error = await restore(target.app!, file).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'REGISTRY_NOT_EMPTY' });
      expect((error as Error).message).toMatch(/site/);
      expect(await target.db.selectFrom('site').select('id').execute()).toEqual([{ id: 'XYZ' }]);
    } finally {
      await target.destroy();
    }
  });

  test('refuses a backup made with other schema migrations', async () => {
    const target = await createTestDatabase({ migrate: false });
    try {
      const error = await restore(target.db, file).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'BACKUP_INVALID' });
      expect((error as Error).message).toMatch(
        /schema migrations \[0001-initial, 0002-row-audit[^\]]*\], this database has \[\]/,
      );
    } finally {
      await target.destroy();
    }
  });
});
