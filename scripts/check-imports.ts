// Checks the import graph of src/: no cycles between files, and the pure folders (protocol,
// instruments, schedule, analysis) import nothing from the folders that do I/O.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', 'src');
const PURE = ['protocol', 'instruments', 'schedule', 'analysis'];
const IMPURE = ['store', 'server', 'web', 'cli', 'registry', 'reports', 'exchange'];
const IMPORT =
  /(?:import|export)\s[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [full] : [];
  });
}

function resolve(from: string, spec: string): string {
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx'), base]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {}
  }
  return base;
}

/**
 * store/ has four parts: the core (schema, migrations, audit, roles, connections) directly in
 * store/, the server supervisor in store/supervisor/, the backup format in store/backup/ and the
 * study cohort's extraction in store/extract/. Each part builds on the core; the core and the parts
 * never import each other's files (store/index.ts re-exports them all).
 */
function storePart(file: string): string | null {
  const [top, second, third] = path.relative(ROOT, file).split(path.sep);
  if (top !== 'store' || second === undefined) return null;
  if (third !== undefined) return second === 'migrations' ? 'core' : second;
  return second === 'index.ts' ? 'index' : 'core';
}

const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files(ROOT)) {
  const text = readFileSync(file, 'utf8');
  const deps: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    // `import type` edges vanish at run time but still count for layering.
    const target = resolve(file, (m[1] ?? m[2])!);
    deps.push(target);
    const fromTop = path.relative(ROOT, file).split(path.sep)[0]!;
    const toTop = path.relative(ROOT, target).split(path.sep)[0]!;
    if (PURE.includes(fromTop) && IMPURE.includes(toTop)) {
      problems.push(`${path.relative(ROOT, file)} (pure) imports ${path.relative(ROOT, target)}`);
    }
    const fromStore = storePart(file);
    const toStore = storePart(target);
    if (fromStore && toStore && fromStore !== toStore && toStore !== 'core' && fromStore !== 'index') {
      problems.push(
        `${path.relative(ROOT, file)} (store ${fromStore}) imports ${path.relative(ROOT, target)}`,
      );
    }
  }
  graph.set(file, deps);
}

const state = new Map<string, 'visiting' | 'done'>();
const stack: string[] = [];
function visit(node: string): void {
  state.set(node, 'visiting');
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (state.get(next) === 'visiting') {
      const cycle = stack.slice(stack.indexOf(next)).concat(next);
      problems.push(`import cycle: ${cycle.map((f) => path.relative(ROOT, f)).join(' → ')}`);
    } else if (!state.has(next) && graph.has(next)) {
      visit(next);
    }
  }
  stack.pop();
  state.set(node, 'done');
}
for (const node of graph.keys()) if (!state.has(node)) visit(node);

if (problems.length > 0) {
  for (const p of problems) console.error(p);
  process.exit(1);
}
console.log(`imports OK: ${graph.size} files, no cycles, pure folders stay pure, store parts apart`);
