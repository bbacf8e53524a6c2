// The dependency check (scripts/check-deps.ts, run by `npm test`) on small projects of its own.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test } from 'vitest';
import { checkDependencies } from '../scripts/check-deps.js';

/** A throw-away project: package.json, files (path → text), and installed packages' manifests. */
function project(pkg: object, files: Record<string, string>, installed: Record<string, object> = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'sifreg-deps-'));
  writeFileSync(path.join(root, 'package.json'), JSON.stringify(pkg));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  for (const [name, manifest] of Object.entries(installed)) {
    mkdirSync(path.join(root, 'node_modules', name), { recursive: true });
    writeFileSync(path.join(root, 'node_modules', name, 'package.json'), JSON.stringify(manifest));
  }
  return root;
}

test('a project whose code uses exactly what it declares passes', () => {
  const root = project(
    {
      dependencies: { zod: '4', 'playwright-core': '1' },
      devDependencies: { vitest: '3', typescript: '5', '@types/node': '20' },
      scripts: { typecheck: 'tsc --noEmit' },
    },
    {
      'src/a.ts':
        "import { z } from 'zod';\nimport type { X } from 'vitest';\nimport { readFile } from 'node:fs';",
      'src/pdf.ts': "export const load = () => import('playwright-core');",
      'src/a.test.ts': "import { test } from 'vitest';",
    },
    { typescript: { bin: { tsc: 'bin/tsc' } } },
  );
  expect(checkDependencies(root).problems).toEqual([]);
});

test('names a runtime import that is undeclared or only a devDependency, and unused declarations', () => {
  const root = project(
    {
      dependencies: { 'left-pad': '1', tsx: '4' },
      devDependencies: { zod: '4', 'fast-check': '4' },
    },
    {
      'src/a.ts': "import { z } from 'zod';\nimport { Pool } from 'pg';\nexport { x } from '@scope/pkg/sub';",
      'src/fuzz.test.ts': "import fc from 'fast-check';",
      'scripts/dev.ts': "import 'tsx';",
    },
  );
  expect(checkDependencies(root).problems).toEqual([
    'src/a.ts imports "zod" at run time, but it is only a devDependency',
    'src/a.ts imports "pg", which package.json does not declare',
    'src/a.ts imports "@scope/pkg", which package.json does not declare',
    'dependency "left-pad" is never imported: remove it',
    'dependency "tsx" is used only by tests or tools: make it a devDependency',
  ]);
});

test('a devDependency that nothing imports and whose command nothing runs is named', () => {
  const root = project(
    { devDependencies: { '@biomejs/biome': '2', prettier: '3' }, scripts: { lint: 'biome check' } },
    { 'src/a.ts': 'export const a = 1;' },
    { '@biomejs/biome': { bin: { biome: 'bin/biome' } }, prettier: { bin: 'bin/prettier.cjs' } },
  );
  expect(checkDependencies(root).problems).toEqual([
    'devDependency "prettier" is never imported and its command is never run: remove it',
  ]);
});

test('a package whose file is resolved through require.resolve is used (a script injected into a page)', () => {
  const files = {
    'test/helpers/browser.ts':
      "import { createRequire } from 'node:module';\nexport const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');",
  };
  const used = project({ devDependencies: { 'axe-core': '4' } }, files, { 'axe-core': {} });
  expect(checkDependencies(used).problems).toEqual([]);
  const unused = project(
    { devDependencies: { 'axe-core': '4' } },
    { 'test/a.ts': 'export const a = 1;' },
    { 'axe-core': {} },
  );
  expect(checkDependencies(unused).problems).toEqual([
    'devDependency "axe-core" is never imported and its command is never run: remove it',
  ]);
});
