// package.json, LICENSE and NOTICE say the same things, and the package installs as a hospital's
// IT would run it: compiled at install, no TypeScript tooling at run time.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  license: string;
  bin: Record<string, string>;
  files: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

test('the project is Apache-2.0 in package.json, LICENSE and NOTICE', () => {
  expect(pkg.license).toBe('Apache-2.0');
  expect(read('LICENSE')).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
  expect(read('LICENSE')).toContain('END OF TERMS AND CONDITIONS');
  expect(read('NOTICE')).toContain('Licensed under the Apache License, Version 2.0');
  expect(pkg.files).toEqual(expect.arrayContaining(['NOTICE', 'dist/', 'bin/']));
});

test('the install compiles the CLI, and nothing compiles at run time', () => {
  expect(pkg.scripts.prepare).toMatch(/scripts\/build\.mjs/);
  expect(pkg.bin.sifreg).toBe('bin/sifreg.js');
  expect(pkg.scripts.test).toMatch(/^npm run build && /);
  for (const tool of ['tsx', 'esbuild', 'typescript']) expect(pkg.dependencies).not.toHaveProperty(tool);
  expect(pkg.devDependencies).toHaveProperty('typescript');
});

test('the PDF printer is a runtime dependency, since `report --format pdf` loads it', () => {
  expect(pkg.dependencies).toHaveProperty('playwright-core');
  expect(pkg.devDependencies).not.toHaveProperty('playwright-core');
});
