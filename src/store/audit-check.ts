import { appendFile, readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import {
  type AuditHead,
  checkAuditedRows,
  formatAuditHead,
  parseAuditHead,
  verifyAudit,
} from './audit-verify.js';
import type { Database } from './schema.js';

export interface RegistryAuditOptions {
  /** A head the operator kept (`--expect-head`). */
  anchor?: AuditHead | undefined;
  /** A file of heads, one `COUNT:HASH TIME` a line: compared with its last, appended to when clean. */
  checkpoint?: string | undefined;
  now: Date;
  onProgress?: (verified: number, total: number) => void;
}

export interface RegistryAuditReport {
  ok: boolean;
  /** The line to print when ok: events, rows and the full head. */
  summary: string;
  /** One line each: the broken link, a lost anchor, every row that differs (table and key only). */
  problems: string[];
}

const LISTED = 100;

/**
 * `audit verify`: the chain (with its anchors) and the current rows, in one snapshot; a clean run
 * appends its head to the checkpoint file.
 */
export async function verifyRegistryAudit(
  db: Kysely<Database>,
  o: RegistryAuditOptions,
): Promise<RegistryAuditReport> {
  const problems: string[] = [];
  const kept = o.checkpoint ? await readCheckpoint(o.checkpoint, problems) : null;
  const sources = new Map<AuditHead, string>();
  if (o.anchor) sources.set(o.anchor, '--expect-head');
  if (kept) sources.set(kept, o.checkpoint!);
  const { chain, rows } = await db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => ({
      chain: await verifyAudit(trx, o.onProgress, { anchors: [...sources.keys()] }),
      rows: await checkAuditedRows(trx, LISTED),
    }));
  if (!chain.ok && 'brokenAt' in chain) {
    problems.push(`audit BROKEN at event ${chain.brokenAt}: ${chain.reason} (${chain.count} events checked)`);
  } else if (!chain.ok) {
    const head = formatAuditHead(chain.anchor);
    const from = sources.get(chain.anchor) ?? 'the anchor';
    problems.push(
      chain.reason === 'shorter than the anchor'
        ? `audit BROKEN: the chain has ${chain.count} events, but the head ${head} (from ${from}) is not in it: events were removed`
        : `audit BROKEN: event ${chain.anchor.count} no longer has the hash of the head ${head} (from ${from}): the chain was rewritten`,
    );
  }
  for (const r of rows.rows) problems.push(`audit: ${r.table} ${r.key}: ${r.problem}`);
  if (rows.total > rows.rows.length) problems.push(`audit: and ${rows.total - rows.rows.length} more rows`);
  if (rows.orphans > 0) problems.push(`audit: ${rows.orphans} row records belong to no event of the chain`);
  if (rows.total > 0)
    problems.push(`audit BROKEN: ${rows.total} rows differ from what the audit trail records`);
  if (problems.length > 0 || !chain.ok) return { ok: false, summary: '', problems };
  const head = formatAuditHead({ count: chain.count, hash: chain.head });
  if (o.checkpoint) await appendFile(o.checkpoint, `${head} ${o.now.toISOString()}\n`, { mode: 0o600 });
  return {
    ok: true,
    summary: `audit OK: ${chain.count} events, ${rows.checked} rows match, head ${head}`,
    problems,
  };
}

/** The last head of a checkpoint file; null when there is none yet. */
async function readCheckpoint(file: string, problems: string[]): Promise<AuditHead | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    problems.push(`audit: cannot read the checkpoint ${file}: ${(error as Error).message}`);
    return null;
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return null;
  const head = parseAuditHead(lines.at(-1)!.split(' ')[0] ?? '');
  if (!head) problems.push(`audit: the last line of the checkpoint ${file} is not COUNT:HASH`);
  return head;
}
