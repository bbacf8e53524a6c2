import { dataDictionary, formatMissing, INSTRUMENT_LIST, MISSING_CODES } from '../instruments/index.js';
import { VISIT_INSTRUMENT } from './tidy.js';

const cell = (v: string | number | boolean | null) => (v === null ? '' : String(v).replaceAll('|', '\\|'));

/** The data dictionary as Markdown: one section per instrument, one row per item (docs/data-dictionary.md). */
export function dictionaryMarkdown(): string {
  const rows = dataDictionary();
  const parts = [
    '# Data dictionary',
    '',
    'Generated from the instrument definitions (`npx tsx scripts/write-dictionary.ts`); a test fails when',
    'this file is out of date. Item ids are the `item` column of the tidy CSV.',
    '',
    '## Missing-data codes',
    '',
    'Any item of any form may be marked missing with one of these codes instead of an answer. A coded',
    'item is not blank (the reason is known) and is never an answer: scores and the analysis count it as',
    'missing, and a required item with a code lets the form be complete. The tidy CSV writes the code as',
    'the item’s value in its reserved form, which no answer can take; FHIR and REDCap use their own codes.',
    '',
    '| code | tidy CSV value | label | meaning | FHIR data-absent-reason | REDCap |',
    '|---|---|---|---|---|---|',
    ...MISSING_CODES.map(
      (c) =>
        `| \`${c.code}\` | \`${formatMissing(c.code)}\` | ${cell(c.label)} | ${cell(c.description)} | ${c.fhirDataAbsentReason} | ${c.redcap} |`,
    ),
    '',
  ];
  for (const def of INSTRUMENT_LIST) {
    parts.push(
      `## ${def.title} (\`${def.id}\`, version ${def.version}${def.repeating ? ', repeating' : ''})`,
      '',
    );
    if (def.code)
      parts.push(
        `Code: ${def.code.system} ${def.code.code}${def.code.display ? ` (${def.code.display})` : ''}.`,
        '',
      );
    if (def.licence) parts.push(`Licence: ${def.licence}`, '');
    parts.push(
      '| item | label | type | unit | choices | min | max | required | code |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const r of rows.filter((x) => x.instrument === def.id)) {
      parts.push(
        `| \`${r.item}\` | ${cell(r.label)} | ${r.type} | ${cell(r.unit)} | ${cell(r.choices)} | ${cell(r.min)} | ${cell(r.max)} | ${r.required ? 'yes' : ''} | ${cell(r.code)} |`,
      );
    }
    parts.push('');
  }
  // Not an instrument: the visit record rows of the tidy CSV (exchange/tidy.ts), optional.
  parts.push(
    `## Visit record (\`${VISIT_INSTRUMENT}\`, optional)`,
    '',
    'When and how a visit took place, or that it was missed: instance 1, after the visit’s forms. A visit is',
    'either done (`date` and `mode`) or missed (`missed_reason`). Window status (early, in window, late) is',
    'derived from the date and the protocol’s window, never stored. Files without these rows are valid.',
    '',
    '| item | label | type | unit | choices | min | max | required | code |',
    '|---|---|---|---|---|---|---|---|---|',
    '| `date` | Date of assessment | date |  |  |  | today | with `mode` |  |',
    '| `mode` | How the visit was done | choice |  | clinic \\| phone \\| epro |  |  | with `date` |  |',
    '| `missed_reason` | Why the visit was missed | text |  |  |  |  | when missed |  |',
    '',
  );
  return parts.join('\n');
}
