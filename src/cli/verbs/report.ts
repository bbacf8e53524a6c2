import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseVerbArgs, UsageError } from '../args.js';
import { checkOutputFile, outputError } from '../output-file.js';
import type { Verb } from '../verb.js';

const FORMATS = ['html', 'json', 'pdf'] as const;
type Format = (typeof FORMATS)[number];

export const REPORT: Verb = {
  name: 'report',
  help: `Usage: sifreg report [--format html|json|pdf] [--out FILE] [--data-dir DIR]

Runs every analysis of the study (flow, Table 1, pain / ODI / MME by visit and change from baseline,
linear mixed models, responders, opioid use and time to cessation, adverse events, osteoporosis care
gap, completeness, sites against the pool) on one snapshot of the registry.
  html  one self-contained file with tables and SVG charts (default; default file report.html)
  json  the numbers, for statisticians and other tools (default: standard output)
  pdf   the HTML printed by Chromium (needs: apt-get install -y chromium)`,
  async run(args, io) {
    const { values } = parseVerbArgs(args, { format: { type: 'string' }, out: { type: 'string' } });
    const format = (values.format ??
      (typeof values.out === 'string' ? path.extname(values.out).slice(1) : 'html')) as Format;
    if (!FORMATS.includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
    const out = (values.out as string | undefined) ?? (format === 'json' ? undefined : `report.${format}`);
    // Checked before the database is opened: a bad --out fails at once and nothing is audited.
    const target = out ? await checkOutputFile(io.cwd, out, '--out') : null;
    const { openRegistry } = await import('../open-registry.js');
    const { SYSTEM_ACTOR, studyReport } = await import('../../registry/index.js');
    const registry = await openRegistry(io, {
      dataDir: values['data-dir'] as string | undefined,
      protocol: values.protocol as string | undefined,
    });
    try {
      // Loaded on demand: charts and the PDF printer are not needed by the other verbs.
      const { renderReportHtml } = await import('../../reports/render-html.js');
      const { report, body } = await studyReport(registry.deps, SYSTEM_ACTOR, format, async (r) => {
        if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
        if (format === 'html') return renderReportHtml(r);
        const { renderReportPdf } = await import('../../reports/render-pdf.js');
        return renderReportPdf(renderReportHtml(r));
      });
      if (out && target) {
        await writeFile(target, body).catch((error: unknown) => {
          throw outputError(out, '--out', error);
        });
        io.stderr.write(`report written: ${out} (${report.meta.n_subjects} subjects)\n`);
      } else {
        io.stdout.write(body);
      }
      return 0;
    } finally {
      await registry.close();
    }
  },
};
