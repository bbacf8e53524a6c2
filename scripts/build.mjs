// Compiles src/ to dist/ (tsconfig.build.json), the JavaScript that bin/sifreg.js runs.
// `npm install` / `npm ci` run it as `prepare` (with --prepare). TypeScript is a dev dependency: an
// install without it (`--omit=dev`) keeps a dist/ that is already there (an `npm pack` tarball
// carries one) and otherwise stops with one line saying what to do.
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const prepare = process.argv.includes('--prepare');

let tsc;
try {
  tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  if (prepare && existsSync(path.join(dist, 'cli', 'main.js'))) process.exit(0);
  console.error(
    'sifreg: cannot build dist/: TypeScript is not installed (an install with --omit=dev).\n' +
      'Install with "npm ci" (then "npm prune --omit=dev" if you want the build tools gone), ' +
      'or install the tarball made by "npm pack", which carries dist/.',
  );
  process.exit(1);
}

// A clean build into a fresh directory that then replaces dist/ whole: no file removed from src/
// lives on in dist/, and a command started meanwhile finds the old build or the new one, never half.
const work = path.join(root, 'node_modules', '.cache', 'sifreg-build', String(process.pid));
const next = path.join(work, 'dist');
const old = path.join(work, 'old');
rmSync(work, { recursive: true, force: true });
const result = spawnSync(
  process.execPath,
  [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', next],
  { stdio: 'inherit' },
);
if (result.status !== 0) {
  rmSync(work, { recursive: true, force: true });
  process.exit(result.status ?? 1);
}
if (existsSync(dist)) renameSync(dist, old);
renameSync(next, dist);
rmSync(work, { recursive: true, force: true });
