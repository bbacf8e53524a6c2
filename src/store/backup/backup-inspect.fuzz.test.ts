import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryError } from '../../errors.js';
import { BACKUP_FORMAT, BACKUP_VERSION } from './backup-format.js';
import { inspectBackup } from './backup-inspect.js';
import { type BackupKey, backupKeyId } from './backup-key.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

const SECRET = Buffer.from('a test backup key of at least thirty-two characters');
const KEY: BackupKey = { key: SECRET, id: backupKeyId(SECRET), source: 'the test key' };

/** A backup's lines, signed as the writer would: checksum and HMAC over every line before the trailer. */
function sign(lines: string[], tables: Record<string, unknown>): string {
  const body = lines.map((l) => `${l}\n`).join('');
  const sha256 = createHash('sha256').update(body).digest('hex');
  const hmac = createHmac('sha256', SECRET).update(body).digest('hex');
  return `${body}${JSON.stringify({ trailer: true, tables, sha256, hmac })}\n`;
}

const header = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    created_at: '2026-03-02T09:00:00.000Z',
    schema_migrations: ['0001-initial'],
    key_id: KEY.id,
    audit_head: '0:0000',
    ...extra,
  });

/** Tables with rows of text or null, and whether the trailer's counts tell the truth. */
const tableArb = fc.record({
  name: fc.oneof(fc.constantFrom('site', 'subject', 'response', 'audit_event'), fc.string({ maxLength: 8 })),
  columns: fc.array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 }),
  rows: fc.array(
    fc.array(fc.option(fc.string({ unit: 'binary', maxLength: 8 }), { nil: null }), { maxLength: 5 }),
    {
      maxLength: 5,
    },
  ),
});

/** A structurally plausible backup, signed, then damaged in one of many ways (or not at all). */
const backupArb = fc
  .record({
    tables: fc.array(tableArb, { maxLength: 3 }),
    honestCounts: fc.boolean(),
    headerExtra: fc.dictionary(
      fc.constantFrom('format', 'version', 'schema_migrations', 'key_id', 'audit_head', 'created_at'),
      fc.jsonValue({ maxDepth: 2 }),
      { maxKeys: 2 },
    ),
    insert: fc.option(
      fc.tuple(
        fc.nat(20),
        fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      ),
      {
        nil: undefined,
      },
    ),
    countsExtra: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  })
  .map(({ tables, honestCounts, headerExtra, insert, countsExtra }) => {
    const lines = [header(headerExtra)];
    const counts: Record<string, unknown> = {};
    for (const t of tables) {
      lines.push(JSON.stringify({ table: t.name, columns: t.columns }));
      for (const row of t.rows) lines.push(JSON.stringify(row));
      counts[t.name] = t.rows.length;
    }
    if (insert) lines.splice(insert[0] % (lines.length + 1), 0, insert[1]);
    return sign(lines, honestCounts ? counts : { ...counts, ...countsExtra });
  });

/** Raw bytes a file could hold: gzip of any text, a gzip cut short, or not gzip at all. */
const fileArb = fc.oneof(
  backupArb.map((text) => gzipSync(text)),
  fc.tuple(backupArb, fc.nat()).map(([text, n]) => {
    const gz = gzipSync(text);
    return gz.subarray(0, n % (gz.length + 1));
  }),
  fc.tuple(backupArb, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([text, at, byte]) => {
    const gz = Buffer.from(gzipSync(text));
    gz[at % gz.length] = byte;
    return gz;
  }),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => gzipSync(s)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
);

describe('backup file reader (property-based)', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifreg-backup-fuzz-'));
    file = path.join(dir, 'backup.ndjson.gz');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Reads the file: a result, or BACKUP_INVALID on one line; anything else fails. */
  async function inspectOrRefuse(bytes: Buffer) {
    await writeFile(file, bytes);
    try {
      const inspected = await inspectBackup(file, KEY, undefined);
      expect(inspected.sha256).toMatch(/^[0-9a-f]{64}$/);
      return inspected;
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      expect(error.code).toBe('BACKUP_INVALID');
      expect(error.message).not.toMatch(/\n/);
      return undefined;
    }
  }

  test('an untouched backup reads back with its tables and rows', async () => {
    const text = sign(
      [header(), JSON.stringify({ table: 'site', columns: ['id', 'name'] }), JSON.stringify(['VCU', 'V'])],
      { site: 1 },
    );
    const inspected = await inspectOrRefuse(gzipSync(text));
    expect(inspected?.tables).toEqual([{ name: 'site', columns: ['id', 'name'], rows: 1 }]);
  });

  test('any file is read or refused as BACKUP_INVALID, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(fileArb, async (bytes) => {
        await inspectOrRefuse(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  // Found by the property above: values whose toString is not a function (JSON can hold
  // {"toString": 1}) once made String() and template literals throw a TypeError.
  test.each([
    ['a header version', [header({ version: { toString: 1 } })], {}],
    ['a schema migration', [header({ schema_migrations: [{ toString: 1 }] })], {}],
    ['a trailer row count', [header()], { site: { toString: 1 } }],
  ])('%s that cannot be turned into text is refused as BACKUP_INVALID', async (_what, lines, counts) => {
    await writeFile(file, gzipSync(sign(lines as string[], counts)));
    await expect(inspectBackup(file, KEY, undefined)).rejects.toBeInstanceOf(RegistryError);
  });
});
