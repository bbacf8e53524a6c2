import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  type BackupProgress,
  type BackupTrailer,
  backupInvalid,
  backupLines,
} from './backup-format.js';
import type { BackupKey } from './backup-key.js';

export interface FileTable {
  name: string;
  columns: string[];
  rows: number;
}

export interface Inspected {
  migrations: string[];
  /** The audit chain head in the file, `COUNT:HASH`. */
  auditHead: string;
  tables: FileTable[];
  sha256: string;
  total: number;
}

export type Progress = ((p: BackupProgress) => void) | undefined;

const NL = Buffer.from('\n');

/**
 * First pass: reads the whole file without keeping rows; throws BACKUP_INVALID naming the problem.
 * A file whose HMAC does not verify under `key` is refused whatever its checksum says.
 */
export async function inspectBackup(file: string, key: BackupKey, onProgress: Progress): Promise<Inspected> {
  const hash = createHash('sha256');
  const hmac = createHmac('sha256', key.key);
  let keyId: string | null = null;
  let auditHead: string | null = null;
  let problem: string | null = null;
  const fail = (p: string) => {
    problem ??= p;
  };
  let migrations: string[] | null = null;
  let trailer: BackupTrailer | null = null;
  const tables: FileTable[] = [];
  let current: FileTable | null = null;
  let line = 0;
  let rows = 0;
  for await (const { bytes, complete } of backupLines(file)) {
    line++;
    if (trailer) {
      fail('there is data after the trailer');
      continue;
    }
    const value = complete ? parseJson(bytes) : undefined;
    if (isTrailer(value)) {
      trailer = value;
      continue;
    }
    hash.update(bytes);
    hmac.update(bytes);
    if (complete) {
      hash.update(NL);
      hmac.update(NL);
    }
    if (value === undefined) {
      fail(complete ? `line ${line} is not JSON` : 'the file is truncated (its last line is incomplete)');
    } else if (line === 1) {
      const h = value as Record<string, unknown>;
      if (h?.format !== BACKUP_FORMAT) fail('the first line is not a sifreg backup header');
      else if (h.version === 1)
        fail(
          'backup format version 1 is not authenticated and is not accepted: back up again with this release',
        );
      else if (h.version !== BACKUP_VERSION)
        fail(`backup format version ${JSON.stringify(h.version)} is not supported`);
      else if (
        !Array.isArray(h.schema_migrations) ||
        !h.schema_migrations.every((m): m is string => typeof m === 'string')
      )
        fail('the header has no list of schema_migrations');
      else if (typeof h.key_id !== 'string' || typeof h.audit_head !== 'string')
        fail('the header has no key_id or audit_head');
      else {
        migrations = h.schema_migrations;
        keyId = h.key_id;
        auditHead = h.audit_head;
      }
    } else if (Array.isArray(value)) {
      if (!current) fail(`line ${line}: a row before any table`);
      else if (
        value.length !== current.columns.length ||
        !value.every((v) => v === null || typeof v === 'string')
      ) {
        fail(`line ${line}: a row of ${current.name} does not match its columns`);
      } else {
        current.rows++;
        if (++rows % 10_000 === 0)
          onProgress?.({ phase: 'verify', table: current.name, done: rows, total: null });
      }
    } else if (isTableLine(value)) {
      if (tables.some((t) => t.name === value.table))
        fail(`line ${line}: table ${value.table} appears twice`);
      current = { name: value.table, columns: value.columns, rows: 0 };
      tables.push(current);
    } else {
      fail(`line ${line} is not a header, table, row or trailer`);
    }
  }
  const sha256 = hash.digest('hex');
  if (line === 0) throw backupInvalid(file, 'the file is empty');
  if (!trailer) throw backupInvalid(file, problem ?? 'the file is truncated (no trailer)');
  if (trailer.sha256 !== sha256) {
    throw backupInvalid(file, 'checksum mismatch: the file was changed or damaged after it was written');
  }
  if (keyId !== null && keyId !== key.id) {
    throw backupInvalid(
      file,
      `it was made with another backup key (key id ${keyId}; ${key.source} has ${key.id}): pass that key with --key-file`,
    );
  }
  if (!sameHex(trailer.hmac, hmac.digest('hex'))) {
    throw backupInvalid(
      file,
      'its authentication code does not match the backup key: the file was forged or edited after it was written',
    );
  }
  if (problem) throw backupInvalid(file, problem);
  if (!migrations || auditHead === null) throw backupInvalid(file, 'the header is missing');
  const counted = Object.fromEntries(tables.map((t) => [t.name, t.rows]));
  for (const name of new Set([...Object.keys(counted), ...Object.keys(trailer.tables)])) {
    if (counted[name] !== trailer.tables[name]) {
      throw backupInvalid(
        file,
        `table ${name} has ${counted[name] ?? 0} rows, the trailer says ${trailer.tables[name] ?? 0}`,
      );
    }
  }
  return { migrations, auditHead, tables, sha256, total: rows };
}

function sameHex(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || !/^[0-9a-f]{64}$/.test(a)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

export function isTrailer(value: unknown): value is BackupTrailer {
  const v = value as Partial<BackupTrailer> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.trailer === true &&
    typeof v.sha256 === 'string' &&
    typeof v.tables === 'object' &&
    v.tables !== null &&
    Object.values(v.tables).every((n) => Number.isSafeInteger(n))
  );
}

export function isTableLine(value: unknown): value is { table: string; columns: string[] } {
  const v = value as { table?: unknown; columns?: unknown } | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.table === 'string' &&
    Array.isArray(v.columns) &&
    v.columns.every((c) => typeof c === 'string')
  );
}
