import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestRegistry, rejects, VCU_COORDINATOR } from '../../test/helpers/registry.js';
import { verifyAudit } from '../store/index.js';
import { demoCohortCsv, exportTidy, importTidy, loadDemo, recordVisit, SYSTEM_ACTOR } from './index.js';

type Registry = Awaited<ReturnType<typeof createTestRegistry>>;

async function exportText(r: Registry, actor = SYSTEM_ACTOR): Promise<string> {
  let text = '';
  await exportTidy(r.deps, actor, (chunk) => {
    text += chunk;
  });
  return text;
}

async function counts(r: Registry) {
  const one = async (table: 'subject' | 'response' | 'audit_event' | 'site') =>
    Number(
      (
        await r.deps.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    subjects: await one('subject'),
    responses: await one('response'),
    audit: await one('audit_event'),
    sites: await one('site'),
  };
}

describe('tidy CSV export and import', () => {
  let source: Registry;
  let exported: string;
  beforeAll(async () => {
    source = await createTestRegistry();
    await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 40, seed: 7 });
    exported = await exportText(source);
  });
  afterAll(() => source.destroy());

  test('the demo cohort exports with the contract header, one row per answered item', () => {
    const lines = exported.trimEnd().split('\n');
    expect(lines[0]).toBe('study_id,site,visit,instrument,instance,item,value');
    expect(lines.length).toBeGreaterThan(40 * 50);
    expect(lines.some((l) => l.startsWith('VCU-0001,VCU,baseline,enrollment,1,study_id,VCU-0001'))).toBe(
      true,
    );
  });

  test('export, import into an empty registry, export again gives the same file', async () => {
    const target = await createTestRegistry();
    try {
      const summary = await importTidy(target.deps, SYSTEM_ACTOR, exported);
      expect(summary.subjects).toBe(40);
      expect(await exportText(target)).toBe(exported);
      const statuses = async (r: Registry) =>
        await r.deps.db
          .selectFrom('subject')
          .select(['study_id', 'status', 'index_date', 'enrolled_on'])
          .orderBy('study_id')
          .execute();
      expect(await statuses(target)).toEqual(await statuses(source));
      expect((await verifyAudit(target.deps.db)).ok).toBe(true);
    } finally {
      await target.destroy();
    }
  });

  test('the same rows in another order (not in study order) import to the same registry', async () => {
    const [header, ...rows] = exported.trimEnd().split('\n');
    // Subjects, visits, forms and items all reversed; then every third row moved to the end.
    const reversed = rows.reverse();
    const mixed = [...reversed.filter((_, i) => i % 3 !== 0), ...reversed.filter((_, i) => i % 3 === 0)];
    const target = await createTestRegistry();
    try {
      const summary = await importTidy(target.deps, SYSTEM_ACTOR, `${[header, ...mixed].join('\n')}\n`);
      expect(summary.subjects).toBe(40);
      expect(await exportText(target)).toBe(exported);
      expect((await verifyAudit(target.deps.db)).ok).toBe(true);
    } finally {
      await target.destroy();
    }
  });

  test('a dry run checks everything and writes nothing', async () => {
    const target = await createTestRegistry();
    try {
      const summary = await importTidy(target.deps, SYSTEM_ACTOR, exported, { dryRun: true });
      expect(summary).toMatchObject({ subjects: 40, dryRun: true });
      expect(await counts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
    } finally {
      await target.destroy();
    }
  });

  test('one bad row refuses the whole file, naming line, column and problem', async () => {
    const lines = exported.split('\n');
    const painLine = lines.findIndex((l) => /,week2,pain,1,score,/.test(l) && l.startsWith('VCU-'));
    lines[painLine] = lines[painLine]!.replace(/,score,\d+$/, ',score,12');
    lines.splice(5, 0, 'VCU-0001,VCU,week2,pain,1,mood,happy');
    lines.splice(6, 0, 'VCU-0001,VCU,week9,pain,1,score,3');
    lines.splice(7, 0, 'VCU-0001,APMSS,week2,pain,1,score,3');
    const target = await createTestRegistry();
    try {
      const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, lines.join('\n')));
      expect(error.code).toBe('IMPORT_FAILED');
      const messages = error.issues.map((i) => i.message);
      expect(messages).toContainEqual(expect.stringMatching(/^line 6, item: pain has no item "mood"/));
      expect(messages).toContainEqual(
        expect.stringMatching(/^line 7, visit: visit week9 is not in protocol/),
      );
      expect(messages).toContainEqual(
        expect.stringMatching(/^line 8, study_id: VCU-0001 does not belong to site APMSS/),
      );
      expect(messages).toContainEqual(
        expect.stringMatching(new RegExp(`^line ${painLine + 4}, value: .*12`)),
      );
      expect(await counts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
    } finally {
      await target.destroy();
    }
  });

  test('a wrong header, a subject without enrollment and a second import of the same subjects are refused', async () => {
    expect((await rejects(importTidy(source.deps, SYSTEM_ACTOR, 'id,site\nA,B\n'))).message).toContain(
      'line 1: the header must be exactly',
    );
    const orphan =
      'study_id,site,visit,instrument,instance,item,value\nVCU-0999,VCU,week2,pain,1,scale,nrs\nVCU-0999,VCU,week2,pain,1,score,3\n';
    const error = await rejects(importTidy(source.deps, SYSTEM_ACTOR, orphan));
    expect(error.issues[0]?.message).toMatch(
      /line 2, study_id: VCU-0999 is not in the registry and the file has no enrollment form/,
    );
    const again = await rejects(importTidy(source.deps, SYSTEM_ACTOR, exported));
    expect(again.issues.map((i) => i.message)).toContainEqual(
      expect.stringMatching(/^line \d+, study_id: APMSS-0001 is already enrolled/),
    );
    expect(again.issues.map((i) => i.message)).toContainEqual(
      expect.stringMatching(/is already recorded for/),
    );
  });

  test('a site coordinator exports only their own site', async () => {
    const text = await exportText(source, VCU_COORDINATOR);
    const sites = new Set(
      text
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(',')[1]),
    );
    expect([...sites]).toEqual(['VCU']);
  });

  test('demo refuses a registry that already has subjects', async () => {
    expect((await rejects(loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 5, seed: 1 }))).code).toBe(
      'REGISTRY_NOT_EMPTY',
    );
  });
});

describe('the import reads only what it can read exactly', () => {
  let source: Registry;
  let exported: string;
  let target: Registry;
  const HEADER = 'study_id,site,visit,instrument,instance,item,value';
  beforeAll(async () => {
    source = await createTestRegistry();
    await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 12, seed: 3 });
    exported = await exportText(source);
    target = await createTestRegistry();
  });
  afterAll(async () => {
    await source.destroy();
    await target.destroy();
  });

  /** The export's lines of one subject that has a procedure form, with the header. */
  function oneTreatedSubject(): { studyId: string; lines: string[] } {
    const lines = exported.trimEnd().split('\n');
    const studyId = lines.find((l) => l.includes(',procedure,procedure,1,'))!.split(',')[0]!;
    return { studyId, lines: [HEADER, ...lines.filter((l) => l.startsWith(`${studyId},`))] };
  }

  test.each([
    ['', 'empty'],
    ['\ufeff', 'BOM only'],
    ['\n\r\n\n', 'blank lines only'],
  ])('an empty file (%j, %s) says that it is empty', async (text) => {
    const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, text));
    expect(error.message).toBe(
      'the file is empty: a tidy CSV starts with the header study_id,site,visit,instrument,instance,item,value',
    );
    expect(error.issues).toEqual([]);
  });

  test('a wrong header is one message saying what the header must be, control characters escaped', async () => {
    const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, 'id,si\u0007te\nA,B\n'));
    expect(error.message).toBe(
      'line 1: the header must be exactly study_id,site,visit,instrument,instance,item,value (got "id,si\\u0007te")',
    );
    expect(error.issues).toEqual([]);
  });

  test('a UTF-16 file is named as such', async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n`, 'utf16le')]);
    expect((await rejects(importTidy(target.deps, SYSTEM_ACTOR, bytes))).message).toBe(
      'line 1: the file is UTF-16 (little-endian); save it as UTF-8 and import again',
    );
  });

  test('Latin-1 is refused with its line, and read when told, from a stream of small chunks', async () => {
    const { studyId, lines } = oneTreatedSubject();
    const text = [
      ...lines,
      `${studyId},${studyId.split('-')[0]},procedure,procedure,1,operator,Dr M\u00fcller`,
    ].join('\n');
    const bytes = Buffer.from(`${text}\n`, 'latin1');
    const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, bytes));
    expect(error.issues.map((i) => i.message)).toEqual([
      `line ${lines.length + 1}, row: character ${text.split('\n').at(-1)!.indexOf('\u00fc') + 1} is not valid UTF-8 (byte 0xFC); save the file as UTF-8, or pass --encoding latin1 if it is Latin-1`,
    ]);
    expect(await counts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    }
    const summary = await importTidy(target.deps, SYSTEM_ACTOR, chunks(), { encoding: 'latin1' });
    expect(summary.subjects).toBe(1);
    const stored = await target.deps.db
      .selectFrom('response')
      .select('answers')
      .where('study_id', '=', studyId)
      .where('instrument', '=', 'procedure')
      .executeTakeFirstOrThrow();
    expect((stored.answers as Record<string, unknown>).operator).toBe('Dr M\u00fcller');
  });

  test.each([
    ['"Dr Who"extra', 'text "extra" after the closing quote'],
    ['Dr "Who"', 'a quote inside an unquoted field'],
  ])('malformed quoting %s is refused with line and column', async (cell, reason) => {
    const { studyId, lines } = oneTreatedSubject();
    const text = [
      ...lines,
      `${studyId},${studyId.split('-')[0]},procedure,procedure,1,operator,${cell}`,
    ].join('\n');
    const error = await rejects(importTidy(source.deps, SYSTEM_ACTOR, text, { dryRun: true }));
    expect(error.issues.map((i) => i.message)).toEqual([
      expect.stringContaining(`line ${lines.length + 1}, value: ${reason}`),
    ]);
  });

  test('problems are capped at 100, by line, with the count of all; control characters escaped', async () => {
    const bad = Array.from({ length: 150 }, (_, i) => `VCU-0999,VCU,week2,pain,1,mo\u0007od${i},3`);
    const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, [HEADER, ...bad.reverse()].join('\n')));
    expect(error.message).toBe(
      'import refused, nothing was written: 150 problems (the first 100 by line are shown)',
    );
    expect(error.issues).toHaveLength(100);
    expect(error.issues[0]?.message).toBe('line 2, item: pain has no item "mo\\u0007od149"');
    expect(error.issues[99]?.message).toMatch(/^line 101, /);
    expect(error.issues.every((i) => !i.message.includes('\u0007'))).toBe(true);
  });

  test.each([
    ['BT-00000040', 'BT-00000040 is not written as BT-0040 (at least four digits, no extra leading zeros)'],
    ['BT-2147483648', 'BT-2147483648: the number must be from 1 to 2147483647'],
  ])('study id %s is refused before the database sees it', async (studyId, message) => {
    const text = `${HEADER}\n${studyId},BT,baseline,enrollment,1,study_id,${studyId}\n`;
    const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, text));
    expect(error.issues.map((i) => i.message)).toEqual([`line 2, study_id: ${message}`]);
  });

  test('instance 99999999999 and a NUL byte are refused with their line', async () => {
    const text = `${HEADER}\nVCU-0001,VCU,week2,adverse_event,99999999999,term,other\nVCU-0001,VCU,procedure,procedure,1,operator,a\u0000b\n`;
    const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, text));
    const messages = error.issues.map((i) => i.message);
    expect(messages[0]).toBe('line 2, instance: "99999999999" is not a whole number from 1 to 2147483647');
    expect(messages[1]).toMatch(/^line 3, value: contains a NUL character/);
  });

  test('formula cells round-trip: the export neutralises them, the import restores them', async () => {
    const { studyId, lines } = oneTreatedSubject();
    const formula = '=HYPERLINK("http://evil.example","x")';
    const r = await createTestRegistry();
    try {
      const cell = `"'${formula.replaceAll('"', '""')}"`;
      const text = [
        ...lines,
        `${studyId},${studyId.split('-')[0]},procedure,procedure,1,operator,${cell}`,
      ].join('\n');
      await importTidy(r.deps, SYSTEM_ACTOR, text);
      const stored = await r.deps.db
        .selectFrom('response')
        .select('answers')
        .where('study_id', '=', studyId)
        .where('instrument', '=', 'procedure')
        .executeTakeFirstOrThrow();
      expect((stored.answers as Record<string, unknown>).operator).toBe(formula);
      const again = await exportText(r);
      expect(again).toContain(`,operator,${cell}\n`);
      expect(again.trimEnd().split('\n').sort()).toEqual(text.split('\n').sort());
      // Negative numbers stay plain numbers (no quote): a T-score of -2.5 reads as -2.5 in a spreadsheet.
      expect(again).not.toMatch(/,'-\d/);
    } finally {
      await r.destroy();
    }
  });
});

describe('two imports at once', () => {
  test('serialise: both write when their subjects differ, even at the same new site', async () => {
    const source = await createTestRegistry();
    const r = await createTestRegistry();
    try {
      await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 30, seed: 5 });
      const lines = (await exportText(source)).trimEnd().split('\n');
      const ids = [...new Set(lines.slice(1).map((l) => l.split(',')[0]!))];
      const half = new Set(ids.filter((_, i) => i % 2 === 0));
      const a = [lines[0], ...lines.slice(1).filter((l) => half.has(l.split(',')[0]!))].join('\n');
      const b = [lines[0], ...lines.slice(1).filter((l) => !half.has(l.split(',')[0]!))].join('\n');
      const results = await Promise.all([
        importTidy(r.deps, SYSTEM_ACTOR, a),
        importTidy(r.deps, SYSTEM_ACTOR, b),
      ]);
      expect(results.map((s) => s.subjects).reduce((x, y) => x + y)).toBe(ids.length);
      expect((await counts(r)).subjects).toBe(ids.length);
      expect((await verifyAudit(r.deps.db)).ok).toBe(true);
    } finally {
      await source.destroy();
      await r.destroy();
    }
  });

  test('the same file twice: one writes, the other is refused cleanly, never a duplicate key', async () => {
    const source = await createTestRegistry();
    const r = await createTestRegistry();
    try {
      await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 20, seed: 6 });
      const text = await exportText(source);
      const settled = await Promise.allSettled([
        importTidy(r.deps, SYSTEM_ACTOR, text),
        importTidy(r.deps, SYSTEM_ACTOR, text),
      ]);
      expect(settled.filter((s) => s.status === 'fulfilled')).toHaveLength(1);
      const failed = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason.code).toBe('IMPORT_FAILED');
      expect(failed.reason.issues[0].message).toMatch(/is already enrolled|is already recorded/);
      expect(JSON.stringify(failed.reason.issues)).not.toMatch(/duplicate key/);
      expect((await counts(r)).subjects).toBe(20);
    } finally {
      await source.destroy();
      await r.destroy();
    }
  });
});

describe('two sifreg import processes at once', () => {
  test('one imports, the other waits and is refused with clear lines, never an internal error', async () => {
    const source = await createTestRegistry();
    const r = await createTestRegistry();
    try {
      await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 200, seed: 8 });
      const dir = await mkdtemp(path.join(tmpdir(), 'sifreg-twice-'));
      const file = path.join(dir, 'cohort.csv');
      await writeFile(file, await exportText(source));
      const bin = path.resolve(import.meta.dirname, '../../bin/sifreg.js');
      const run = () =>
        new Promise<{ code: number | null; stderr: string }>((resolve) => {
          const child = spawn(process.execPath, [bin, 'import', file], {
            env: { ...process.env, DATABASE_URL: r.url },
            stdio: ['ignore', 'ignore', 'pipe'],
          });
          let stderr = '';
          child.stderr.on('data', (d) => {
            stderr += d;
          });
          child.once('exit', (code) => resolve({ code, stderr }));
        });
      const results = await Promise.all([run(), run()]);
      expect(results.map((x) => x.code).sort()).toEqual([0, 1]);
      const loser = results.find((x) => x.code === 1)!;
      expect(loser.stderr).toMatch(/is already enrolled/);
      expect(loser.stderr).toMatch(/sifreg import: import refused, nothing was written: \d+ problems/);
      expect(loser.stderr).not.toMatch(/internal error|duplicate key/);
      expect((await counts(r)).subjects).toBe(200);
      expect((await verifyAudit(r.deps.db)).ok).toBe(true);
    } finally {
      await source.destroy();
      await r.destroy();
    }
  });
});

describe('kill -9 during an import', () => {
  test('leaves nothing partial: after the crash the registry is as before the import', async () => {
    const r = await createTestRegistry();
    try {
      const dir = await mkdtemp(path.join(tmpdir(), 'sifreg-kill-'));
      const file = path.join(dir, 'big.csv');
      await writeFile(file, demoCohortCsv(3000, 3, '2026-03-02'));
      const bin = path.resolve(import.meta.dirname, '../../bin/sifreg.js');
      const child = spawn(process.execPath, [bin, 'import', file], {
        env: { ...process.env, DATABASE_URL: r.url },
        stdio: 'ignore',
      });
      // Wait until the import's transaction has written (it holds a transaction id), then kill it outright.
      let writing = false;
      for (let i = 0; i < 600 && !writing; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const active = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and backend_xid is not null`.execute(
          r.deps.db,
        );
        writing = (active.rows[0]?.n ?? 0) > 0;
      }
      expect(writing).toBe(true);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      // The server ends the dead client's backend and rolls its transaction back.
      for (let i = 0; i < 100; i++) {
        const left = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'`.execute(
          r.deps.db,
        );
        if ((left.rows[0]?.n ?? 0) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await counts(r)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
      expect((await verifyAudit(r.deps.db)).ok).toBe(true);
    } finally {
      await r.destroy();
    }
  });
});

describe('visit dates in the tidy CSV', () => {
  test('done and missed visits export as instrument `visit` rows, import, and export again byte for byte', async () => {
    const source = await createTestRegistry();
    const target = await createTestRegistry();
    try {
      await loadDemo(source.deps, SYSTEM_ACTOR, { subjects: 12, seed: 11 });
      const { rows } = await sql<{ study_id: string; index_date: string }>`
        select study_id, index_date::text as index_date from subject
        where index_date is not null order by study_id limit 2`.execute(source.deps.db);
      const [a, b] = rows as [(typeof rows)[number], (typeof rows)[number]];
      await recordVisit(source.deps, SYSTEM_ACTOR, {
        studyId: a.study_id,
        visit: 'week2',
        date: a.index_date,
        mode: 'phone',
      });
      await recordVisit(source.deps, SYSTEM_ACTOR, {
        studyId: b.study_id,
        visit: 'week4',
        missedReason: 'patient in hospital, "no call"',
      });
      const exported = await exportText(source);
      const lines = exported.split('\n');
      const at = (s: string) => lines.indexOf(s);
      expect(
        at(`${a.study_id},${a.study_id.split('-')[0]},week2,visit,1,date,${a.index_date}`),
      ).toBeGreaterThan(0);
      expect(at(`${a.study_id},${a.study_id.split('-')[0]},week2,visit,1,mode,phone`)).toBeGreaterThan(0);
      expect(
        at(
          `${b.study_id},${b.study_id.split('-')[0]},week4,visit,1,missed_reason,"patient in hospital, ""no call"""`,
        ),
      ).toBeGreaterThan(0);
      // The visit record follows the visit's forms and precedes the next visit's.
      const visitLine = at(`${a.study_id},${a.study_id.split('-')[0]},week2,visit,1,date,${a.index_date}`);
      expect(lines[visitLine - 1]).toMatch(new RegExp(`^${a.study_id},[A-Z]+,week2,`));
      expect(lines[visitLine + 2] ?? '').not.toMatch(new RegExp(`^${a.study_id},[A-Z]+,week2,`));

      await importTidy(target.deps, SYSTEM_ACTOR, exported);
      expect(await exportText(target)).toBe(exported);
      const visits = (r: Registry) =>
        r.deps.db
          .selectFrom('visit')
          .select([
            'study_id',
            'site_id',
            'visit',
            sql<string>`visit_date::text`.as('date'),
            'mode',
            'missed_reason',
          ])
          .orderBy('study_id')
          .execute();
      expect(await visits(target)).toEqual(await visits(source));
      expect((await verifyAudit(target.deps.db)).ok).toBe(true);
    } finally {
      await source.destroy();
      await target.destroy();
    }
  });

  test('a bad visit row refuses the file with its line and item: unknown mode, future date, done and missed, a stop date after the visit', async () => {
    const target = await createTestRegistry();
    try {
      const base = demoCohortCsv(2, 5, '2026-03-02').trimEnd().split('\n');
      const id = base[1]!.split(',')[0]!;
      const site = id.split('-')[0]!;
      const file = [
        ...base,
        `${id},${site},week2,visit,1,date,2026-01-10`,
        `${id},${site},week2,visit,1,mode,fax`,
        `${id},${site},week4,visit,1,date,2027-01-01`,
        `${id},${site},week4,visit,1,mode,clinic`,
        `${id},${site},week12,visit,1,date,2026-01-10`,
        `${id},${site},week12,visit,1,missed_reason,away`,
        `${id},${site},week12,visit,1,colour,red`,
        `${id},${site},week24,analgesic,9,drug,acetaminophen`,
        `${id},${site},week24,analgesic,9,strength,500`,
        `${id},${site},week24,analgesic,9,unit,mg`,
        `${id},${site},week24,analgesic,9,route,oral`,
        `${id},${site},week24,analgesic,9,doses_per_day,3`,
        `${id},${site},week24,analgesic,9,stop_date,2026-01-20`,
        `${id},${site},week24,visit,1,date,2026-01-10`,
        `${id},${site},week24,visit,1,mode,phone`,
      ].join('\n');
      const error = await rejects(importTidy(target.deps, SYSTEM_ACTOR, file));
      const n = base.length;
      expect(error.issues.map((i) => i.message)).toEqual(
        expect.arrayContaining([
          `line ${n + 2}, value: mode must be clinic, phone or epro (got fax)`,
          `line ${n + 3}, value: visit date 2027-01-01 is in the future (today is 2026-03-02)`,
          `line ${n + 6}, value: a visit is either done (date and mode) or missed (reason), not both`,
          `line ${n + 7}, item: visit has no item "colour"`,
          `line ${n + 13}, value: analgesic stop_date 2026-01-20 is after the date of the week24 visit (2026-01-10)`,
        ]),
      );
      expect(await counts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
    } finally {
      await target.destroy();
    }
  });
});
