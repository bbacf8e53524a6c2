import { readdirSync, readFileSync } from 'node:fs';
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
    if (next.endsWith('.ts')) queue.push(...staticImports(path.join(SRC, next)));
  }
  return seen;
}

// `sifreg --help` and a verb's start (its --help, a usage error) load only these: the verb's
// database, server and report modules come by `import()` when the verb runs (budget < 150 ms).
const LIGHT = new Set(['cli/main.ts', 'cli/args.ts', 'cli/io.ts', 'errors.ts']);
const isLight = (m: string) => LIGHT.has(m) || m.startsWith('node:') || m.startsWith('cli/verbs/');

test('sifreg --help loads the command table and nothing of the verbs', () => {
  expect([...loadedBy('cli/main.ts')].sort()).toEqual(
    [...loadedBy('cli/main.ts')].filter((m) => LIGHT.has(m) || m.startsWith('node:')).sort(),
  );
});

test.each(readdirSync(path.join(SRC, 'cli/verbs')).filter((f) => f.endsWith('.ts') && !f.includes('.test.')))(
  'verbs/%s loads its heavy modules only when it runs',
  (file) => {
    const heavy = [...loadedBy(`cli/verbs/${file}`)].filter((m) => !isLight(m));
    expect(heavy, 'move these imports into run() as `await import(…)`').toEqual([]);
  },
);

test('every verb in the table loads, under its own name', async () => {
  for (const entry of VERBS) {
    const verb = await entry.load();
    expect(verb.name).toBe(entry.name);
    expect(verb.help).toMatch(new RegExp(`^Usage: sifreg ${entry.name}`));
  }
});
