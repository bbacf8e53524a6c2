import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry, rejects } from '../../test/helpers/registry.js';
import { verifyAudit } from '../store/index.js';
import { exportTidy, importTidy, loadDemo, SYSTEM_ACTOR } from './index.js';

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

async function exportText(r: Registry): Promise<string> {
  let text = '';
  await exportTidy(r.deps, SYSTEM_ACTOR, (chunk) => {
    text += chunk;
  });
  return text;
}

/** The file as a stream of small chunks (as the CLI reads a file): it can be read only once. */
async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
}

/** Each subject's rows kept together, in reverse order (forms and items too). */
function subjectsReversedInside(rows: string[]): string[] {
  const bySubject = new Map<string, string[]>();
  for (const row of rows) {
    const id = row.slice(0, row.indexOf(','));
    bySubject.set(id, [...(bySubject.get(id) ?? []), row]);
  }
  return [...bySubject.values()].reverse().flatMap((r) => r.reverse());
}

describe('an import reads a file with each subject’s rows together as it goes, and stages any other', () => {
  let source: Registry;
  let exported: string;
  let header: string;
  let rows: string[];
  let temp: string;
  const savedTmp = process.env.TMPDIR;
  beforeAll(async () => {
    source = await createTestRegistry();
    await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 12, seed: 3 });
    exported = await exportText(source);
    [header, ...rows] = exported.trimEnd().split('\n') as [string, ...string[]];
    // The kept copy of a streamed file goes to TMPDIR: a directory of this test's own.
    temp = await mkdtemp(path.join(tmpdir(), 'sifreg-import-in-order-'));
    process.env.TMPDIR = temp;
  });
  afterAll(async () => {
    process.env.TMPDIR = savedTmp;
    await rm(temp, { recursive: true, force: true });
    await source.destroy();
  });

  const file = (list: string[]) => `${[header, ...list].join('\n')}\n`;

  test.each([
    ['in study order', () => rows],
    ['subjects together, everything inside them reversed', () => subjectsReversedInside(rows)],
    [
      'one subject in two runs (read again and staged)',
      () => {
        const split = rows.findIndex((r) => r.startsWith('VCU-0001,') && r.includes(',week2,'));
        const rest = rows.filter((r, i) => i >= split && r.startsWith('VCU-0001,'));
        return [...rows.filter((r, i) => !(i >= split && r.startsWith('VCU-0001,'))), ...rest];
      },
    ],
    ['a malformed last line (read again, refused as one reading refuses it)', null],
  ])('%s: streamed, it imports to the same registry, and its kept copy is removed', async (_what, order) => {
    const target = await createTestRegistry();
    try {
      if (order === null) {
        const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, chunks(`${file(rows)}"x"y,1\n`)));
        expect(error.issues.map((i) => i.message)).toEqual([
          expect.stringMatching(
            new RegExp(`^line ${rows.length + 2}, study_id: text "y" after the closing quote`),
          ),
        ]);
        expect(await exportText(target)).toBe(`${header}\n`);
      } else {
        const summary = await importTidy(target.deps, SYSTEM_ACTOR, chunks(file(order())));
        expect(summary).toMatchObject({ rows: rows.length, subjects: 12 });
        expect(await exportText(target)).toBe(exported);
        expect((await verifyAudit(target.deps.db)).ok).toBe(true);
      }
      expect(await readdir(temp)).toEqual([]);
    } finally {
      await target.destroy();
    }
  });

  test('while it runs, the kept copy has no name in TMPDIR: a killed import leaves no patient data there', async () => {
    const target = await createTestRegistry();
    const seen: string[][] = [];
    async function* watched(text: string): AsyncGenerator<Uint8Array> {
      for await (const chunk of chunks(text)) {
        yield chunk;
        seen.push(await readdir(temp, { recursive: true }));
      }
    }
    try {
      // One subject in two runs: the copy is read a second time, through its open descriptor.
      const split = rows.findIndex((r) => r.startsWith('VCU-0001,') && r.includes(',week2,'));
      const rest = rows.filter((r, i) => i >= split && r.startsWith('VCU-0001,'));
      const order = [...rows.filter((r, i) => !(i >= split && r.startsWith('VCU-0001,'))), ...rest];
      const summary = await importTidy(target.deps, SYSTEM_ACTOR, watched(file(order)));
      expect(summary).toMatchObject({ rows: rows.length, subjects: 12 });
      expect(await exportText(target)).toBe(exported);
      expect(seen.length).toBeGreaterThan(1);
      expect(seen.filter((names) => names.length > 0)).toEqual([]);
    } finally {
      await target.destroy();
    }
  });

  test('read again, a file names each problem once, with its line', async () => {
    // A bad pain score (NRS, 0-10), then VCU-0001's last row moved to the end (two runs).
    const painAt = rows.findIndex(
      (r) => /^VCU-\d+,VCU,week2,pain,1,score,/.test(r) && !r.startsWith('VCU-0001,'),
    );
    const bad = rows.map((r, i) => (i === painAt ? r.replace(/\d+$/, '12') : r));
    const last = bad.findLastIndex((r) => r.startsWith('VCU-0001,'));
    const moved = [...bad.filter((_, i) => i !== last), bad[last]!];
    const painLine = moved.indexOf(bad[painAt]!) + 2;
    const target = await createTestRegistry();
    try {
      const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, chunks(file(moved))));
      expect(error.issues.map((i) => i.message)).toEqual([
        expect.stringMatching(new RegExp(`^line ${painLine}, value: pain score 12 `)),
      ]);
      expect(await exportText(target)).toBe(`${header}\n`);
    } finally {
      await target.destroy();
    }
  });
});
