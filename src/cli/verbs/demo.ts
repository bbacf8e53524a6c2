import { intOption, parseVerbArgs, UsageError } from '../args.js';
import type { Verb } from '../verb.js';

export const DEMO: Verb = {
  name: 'demo',
  help: `Usage: sifreg demo [--subjects N] [--seed S] [--data-dir DIR]

Creates the sites VCU, APMSS and OC (OrthoCarolina) and N synthetic subjects (default 150, at most
100,000; seed 1)
with plausible values: pain about 7.5–8 falling to 1–2 by week 52, ODI falling, opioid use
tapering, drop-out growing over time, adverse events at published rates, most patients untreated for
osteoporosis. Refuses to run on a registry that already has subjects. One transaction: a demo
stopped half-way leaves nothing, and of two demos at once one loads, the other is refused.
Synthetic data only.`,
  async run(args, io) {
    const { values } = parseVerbArgs(args, { subjects: { type: 'string' }, seed: { type: 'string' } });
    const subjects = intOption(values.subjects, 'subjects', 150, 1);
    const seed = intOption(values.seed, 'seed', 1);
    const { DEMO_MAX_SUBJECTS } = await import('../../registry/demo.js');
    if (subjects > DEMO_MAX_SUBJECTS) {
      throw new UsageError(
        `--subjects must be at most ${DEMO_MAX_SUBJECTS.toLocaleString('en-US')} (got ${values.subjects})`,
      );
    }
    const { openRegistry } = await import('../open-registry.js');
    const { loadDemo, SYSTEM_ACTOR } = await import('../../registry/index.js');
    const { progressBar } = await import('../progress.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      const bar = progressBar(io, 'demo');
      const summary = await loadDemo(registry.deps, SYSTEM_ACTOR, {
        subjects,
        seed,
        onProgress: (d, t) => bar.update(d, t),
      });
      bar.stop();
      io.stdout.write(
        `demo cohort loaded: ${summary.subjects} subjects, ${summary.responses} forms, ${summary.rows} items\n`,
      );
      return 0;
    } finally {
      await registry.close();
    }
  },
};
