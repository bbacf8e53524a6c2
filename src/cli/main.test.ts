import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { expect, test } from 'vitest';
import { VERBS } from './main.js';

const SRC = path.resolve(import.meta.dirname, '..');

/** What a file loads as soon as it is imported: its static value imports (not `import type`, not `import()`). */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) {
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier) {
      found.push((node.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return found.map((spec) =>
    spec.startsWith('.')
      ? path.relative(SRC, path.resolve(path.dirname(file), spec)).replace(/\.js$/, '.ts')
      : spec,
  );
}

/** Every module loaded, transitively, when `entry` (relative to src/) is imported. */
function loadedBy(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    if (!next.endsWith('.ts')) continue;
    const file = path.join(SRC, next);
    queue.push(...staticImports(existsSync(file) ? file : `${file}x`));
  }
  return seen;
}

// `sifreg --help` and a verb's start (its --help, a usage error) load no npm package: the database,
// server and report modules come by `import()` when the verb runs (budget < 150 ms, BENCHMARKS.md).
const packagesLoadedBy = (entry: string) =>
  [...loadedBy(entry)].filter((m) => !m.endsWith('.ts') && !m.startsWith('node:'));
const sourcesLoadedBy = (entry: string) => [...loadedBy(entry)].filter((m) => m.endsWith('.ts'));

test('sifreg --help loads the command table and no package', () => {
  expect(packagesLoadedBy('cli/main.ts')).toEqual([]);
  expect(sourcesLoadedBy('cli/main.ts').filter((m) => m.startsWith('cli/verbs/'))).toEqual([]);
});

test.each(readdirSync(path.join(SRC, 'cli/verbs')).filter((f) => f.endsWith('.ts') && !f.includes('.test.')))(
  'verbs/%s loads its packages only when it runs',
  (file) => {
    expect(packagesLoadedBy(`cli/verbs/${file}`), 'load these in run() with `await import(…)`').toEqual([]);
  },
);

test('every verb in the table loads, under its own name', async () => {
  for (const entry of VERBS) {
    const verb = await entry.load();
    expect(verb.name).toBe(entry.name);
    expect(verb.help).toMatch(new RegExp(`^Usage: sifreg ${entry.name}`));
  }
});
