// CLI start and `serve` cold start, timed through the real bin/sifreg.js (compiled dist/) beside
// `node -e 0` in the same run: what a person waits for before the command does anything, and
// before the first page answers on the embedded database (new and existing data directory).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'sifreg.js');
/** The embedded database is what the budgets are for: DATABASE_URL is not passed on. */
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL'));

const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)!, n: sorted.length };
}

/** Wall time of a whole short process, in ms. */
function timeProcess(args: string[], runs: number): number[] {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { env: ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    const took = ms(start);
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    samples.push(took);
  }
  return samples;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** ms from spawning `sifreg serve` to the first 200 of GET /; the server is stopped again after. */
async function serveToFirstPage(dataDir: string): Promise<number> {
  const port = await freePort();
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [BIN, 'serve', '--port', String(port), '--data-dir', dataDir], {
    env: ENV,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
      if (ms(start) > 60_000) throw new Error(`serve gave no page within 60 s: ${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return ms(start);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await stop(child);
  }
}

/** How this process is scheduled, when not the default: real-time (chrt) or niced. */
function scheduling(): string {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // proc(5): field 40 rt_priority, field 41 policy (1 FIFO, 2 RR); fields counted from 3 here.
    const [priority, policy] = [Number(fields[37]), Number(fields[38])];
    if (policy === 1 || policy === 2)
      return `, run under the real-time scheduler (chrt -${policy === 1 ? 'f' : 'r'} ${priority})`;
  } catch {}
  return os.getPriority() < 0 ? `, run at nice ${os.getPriority()}` : '';
}

export interface CliStartResult {
  markdown: string;
}

/** Runs the CLI start and cold-start measurements and returns the BENCHMARKS.md section. */
export async function benchCliStart(runs = { short: 15, serve: 5 }): Promise<CliStartResult> {
  const load = os.loadavg()[0]!.toFixed(1);
  const node = stats(timeProcess(['-e', '0'], runs.short));
  const help = stats(timeProcess([BIN, '--help'], runs.short));
  const verbHelp = stats(timeProcess([BIN, 'demo', '--help'], runs.short));

  const root = await mkdtemp(path.join(os.tmpdir(), 'sifreg-bench-cli-'));
  const fresh: number[] = [];
  const existing: number[] = [];
  try {
    for (let i = 0; i < runs.serve; i++) fresh.push(await serveToFirstPage(path.join(root, `new-${i}`)));
    for (let i = 0; i < runs.serve; i++) existing.push(await serveToFirstPage(path.join(root, 'new-0')));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  const newDir = stats(fresh);
  const oldDir = stats(existing);

  const row = (what: string, s: ReturnType<typeof stats>, budget: string, limit: number | null) =>
    `| ${what} | ${Math.round(s.median)} ms | ${Math.round(s.min)}–${Math.round(s.max)} ms (${s.n} runs) | ${budget} | ${
      limit === null ? '' : s.median < limit ? 'met' : '**missed**'
    } |`;
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const markdown = `## CLI start and serve cold start

Measured by \`${['npm run bench', ...process.argv.slice(2)].join(' ').replace(/bench (-)/, 'bench -- $1')}\` (bench/cli-start.ts) on ${new Date().toISOString().slice(0, 10)}, as ${
    process.getuid?.() === 0 ? 'root' : 'an ordinary user'
  }, data directories under ${os.tmpdir()} (mode 0700).
Machine: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()};
load average ${load} when the run began${scheduling()}.
Wall time of the whole process through \`bin/sifreg.js\` (compiled \`dist/\`); serve is timed from spawn to
the first \`200\` of \`GET /\` on the embedded PostgreSQL, then stopped with SIGINT. Every figure grows
with other work on the machine; \`node -e 0\` in the same run shows how quiet it was (on a shared
machine, run it as root under \`nice -n -10\`; not under a real-time scheduler such as \`chrt -f\`,
where Node's threads can starve each other).

| measure | median | range | budget | |
|---|---|---|---|---|
${[
  row('`node -e 0` (Node alone, same run)', node, '', null),
  row('`sifreg --help`', help, '< 150 ms', 150),
  row('`sifreg demo --help` (a verb’s start)', verbHelp, '< 150 ms', 150),
  row('`sifreg serve` to first page, new data dir', newDir, '< 3 s', 3000),
  row('`sifreg serve` to first page, existing data dir', oldDir, '< 1 s', 1000),
].join('\n')}
`;
  return { markdown };
}

/** Puts `section` (starting "## Title") into BENCHMARKS.md in place of the section with that title, or at the end. */
export async function writeSection(file: string, section: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const title = section.split('\n')[0]!;
  const start = text.indexOf(`${title}\n`);
  let next: string;
  if (start === -1) {
    next = `${text.trimEnd()}\n\n${section}`;
  } else {
    const end = text.indexOf('\n## ', start + title.length);
    next = `${text.slice(0, start)}${section}${end === -1 ? '' : `\n${text.slice(end + 1)}`}`;
  }
  await writeFile(file, `${next.trimEnd()}\n`);
}
