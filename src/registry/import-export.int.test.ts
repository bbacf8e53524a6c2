// The tidy CSV: the demo cohort exported and imported again, in any row order, dry runs, refusals of a
// whole file, a site's own export, and visit dates as `visit` rows.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  createTestRegistry,
  exportText,
  registryCounts,
  rejects,
  type TestRegistry,
  VCU_COORDINATOR,
} from '../../test/helpers/registry.js';
import { verifyAudit } from '../store/index.js';
import { demoCohortCsv, importTidy, loadDemo, recordVisit, SYSTEM_ACTOR } from './index.js';

describe('tidy CSV export and import', () => {
  let source: TestRegistry;
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
      const statuses = async (r: TestRegistry) =>
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
      expect(await registryCounts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
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
      expect(await registryCounts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
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
      const visits = (r: TestRegistry) =>
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
      expect(await registryCounts(target)).toEqual({ subjects: 0, responses: 0, audit: 0, sites: 0 });
    } finally {
      await target.destroy();
    }
  });
});
