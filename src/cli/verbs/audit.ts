import { parseVerbArgs, UsageError } from '../args.js';
import type { Verb } from '../verb.js';

export const AUDIT: Verb = {
  name: 'audit',
  help: `Usage: sifreg audit verify [--data-dir DIR]

Recomputes the hash chain of every audit event in order. Prints "audit OK: N events" and exits 0,
or names the first broken link (an event changed, deleted or inserted outside the registry) and exits 1.`,
  async run(args, io) {
    const { values, positionals } = parseVerbArgs(args, {}, 1);
    if (positionals[0] !== 'verify') throw new UsageError('audit needs the sub-command "verify"');
    const { openRegistry } = await import('../open-registry.js');
    const { verifyAudit } = await import('../../store/index.js');
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, { dataDir: values['data-dir'] as string | undefined });
    try {
      const bar = progressBar(io, 'verifying');
      const result = await verifyAudit(registry.deps.db, (done, total) => bar.update(done, total));
      bar.stop();
      if (result.ok) {
        io.stdout.write(`audit OK: ${result.count} events, chain head ${result.head.slice(0, 16)}\n`);
        return 0;
      }
      io.stderr.write(
        `audit BROKEN at event ${result.brokenAt}: ${result.reason} (${result.count} events checked)\n`,
      );
      return 1;
    } finally {
      await registry.close();
    }
  },
};
