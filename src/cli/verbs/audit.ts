import { parseVerbArgs, UsageError } from '../args.js';
import type { Verb } from '../verb.js';

export const AUDIT: Verb = {
  name: 'audit',
  help: `Usage: sifreg audit verify [--expect-head COUNT:HASH] [--checkpoint FILE] [--data-dir DIR]

Recomputes the hash chain of every audit event in order, with the rows each event recorded, then
compares every subject, identity, response, query, user and site with the last state the chain
records for it. Prints "audit OK: N events, R rows, head COUNT:HASH" and exits 0, or names the first
broken link and every row changed outside the registry (table and key) and exits 1.

A chain cut short or emptied is still consistent, so keep its head outside the database:
  --expect-head COUNT:HASH   a head printed by an earlier "audit verify" (or in a backup): the chain
                             must still hold that event with that hash
  --checkpoint FILE          compare with the last head in FILE, and append the new head after a
                             clean run (default for the embedded database: DIR/audit-head)`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(
      args,
      { 'expect-head': { type: 'string' }, checkpoint: { type: 'string' } },
      1,
    );
    if (positionals[0] !== 'verify') throw new UsageError('audit needs the sub-command "verify"');
    const path = await import('node:path');
    const { parseAuditHead } = await import('../../store/audit-verify.js');
    const expected = values['expect-head'] as string | undefined;
    const anchor = expected === undefined ? undefined : parseAuditHead(expected);
    if (anchor === null) {
      throw new UsageError('--expect-head must be COUNT:HASH as printed by "audit verify"');
    }
    const { openRegistry } = await import('../open-registry.js');
    const { progressBar } = await import('../progress.js');
    const { verifyRegistryAudit } = await import('../../store/audit-check.js');
    const dataDir = values['data-dir'] as string | undefined;
    const registry = await openRegistry(io, { dataDir, protocol: values.protocol as string | undefined });
    try {
      const checkpoint = values.checkpoint
        ? path.resolve(io.cwd, values.checkpoint as string)
        : registry.handle.embedded
          ? path.resolve(io.cwd, dataDir ?? 'sifreg-data', 'audit-head')
          : undefined;
      const bar = progressBar(io, 'verifying');
      const report = await verifyRegistryAudit(registry.deps.db, {
        anchor,
        checkpoint,
        now: io.clock(),
        onProgress: (done, total) => bar.update(done, total),
      });
      bar.stop();
      for (const line of report.problems) io.stderr.write(`${line}\n`);
      if (report.ok) io.stdout.write(`${report.summary}\n`);
      return report.ok ? 0 : 1;
    } finally {
      await registry.close();
    }
  },
};
