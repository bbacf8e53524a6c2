import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { dictionaryMarkdown } from './dictionary-markdown.js';

test('docs/data-dictionary.md is generated from the current instrument definitions', () => {
  const committed = readFileSync(path.resolve(import.meta.dirname, '../../docs/data-dictionary.md'), 'utf8');
  expect(committed, 'run: npx tsx scripts/write-dictionary.ts').toBe(dictionaryMarkdown());
});

test('the dictionary lists every ODI section and the pain LOINC code', () => {
  const md = dictionaryMarkdown();
  for (let i = 1; i <= 10; i++) expect(md).toMatch(new RegExp(`\\| \`s${i}_[a-z_]+\` \\|`));
  expect(md).toContain('72514-3');
});

test('the dictionary lists every missing-data code with its tidy, FHIR and REDCap forms', () => {
  const md = dictionaryMarkdown();
  expect(md).toContain('| `declined` | `[missing:declined]` | Declined |');
  expect(md).toContain('| asked-declined | DC |');
  expect(md).toContain('| `not_applicable` | `[missing:not_applicable]` | Not applicable |');
});
