// The import reads only what it can read exactly: encodings, headers, capped problem lists, huge
// instance numbers, NUL bytes and formula cells.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createTestRegistry,
  exportText,
  registryCounts,
  rejects,
  type TestRegistry,
} from '../../test/helpers/registry.js';
import { importTidy, loadDemo, SYSTEM_ACTOR } from './index.js';

describe('the import reads only what it can read exactly', () => {
  let source: TestRegistry;
  let exported: string;
  let target: TestRegistry;
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
    expect(await registryCounts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
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
