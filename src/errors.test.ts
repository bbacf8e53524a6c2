import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { ERROR_CODES } from './errors.js';

/** The codes docs/errors.md documents, with the HTTP status its table gives each. */
function documentedCodes(): Map<string, number> {
  const md = readFileSync(path.resolve(import.meta.dirname, '../docs/errors.md'), 'utf8');
  const codes = new Map<string, number>();
  for (const line of md.split('\n')) {
    // | `SITE_NOT_FOUND` / `SITE_EXISTS` | 404 / 409 | meaning |
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    const names = [...cells[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!);
    const statuses = cells[2]!.split('/').map((s) => Number(s.trim()));
    for (const [i, name] of names.entries()) codes.set(name, statuses[i] ?? Number.NaN);
  }
  return codes;
}

test('docs/errors.md lists exactly the codes in ERROR_CODES', () => {
  const documented = [...documentedCodes().keys()].sort();
  expect(documented, 'docs/errors.md: one table row per code in src/errors.ts').toEqual(
    Object.keys(ERROR_CODES).sort(),
  );
});

test('docs/errors.md gives each code the HTTP status that src/errors.ts maps it to', () => {
  const documented = documentedCodes();
  for (const [code, status] of Object.entries(ERROR_CODES)) {
    expect(documented.get(code), code).toBe(status);
  }
});
