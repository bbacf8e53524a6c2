import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  ADMIN,
  APMSS_COORDINATOR,
  MONITOR,
  rejects,
  VCU_COORDINATOR,
  VCU_INVESTIGATOR,
} from '../../test/helpers/registry.js';
import { createWorkflowRegistry, PASSWORD, recordPain } from '../../test/helpers/workflow.js';
import { parseCsv } from '../exchange/csv.js';
import { getInstrument } from '../instruments/index.js';
import type { Actor } from './context.js';
import { deidentifiedRow, isFreeText, shiftIsoDate } from './export-deidentified.js';
import {
  enrolSubject,
  exportTidy,
  recordResponse,
  recordVisit,
  SYSTEM_ACTOR,
  signResponse,
} from './index.js';

type Registry = Awaited<ReturnType<typeof createWorkflowRegistry>>;
type Row = {
  study_id: string;
  site: string;
  visit: string;
  instrument: string;
  instance: string;
  item: string;
  value: string;
};

const STATISTICIAN: Actor = { username: 'stan.stats', role: 'statistician', siteId: null };

async function exportRows(
  r: Registry,
  actor: Actor,
  deidentify: boolean,
): Promise<{ text: string; rows: Row[] }> {
  let text = '';
  await exportTidy(
    r.deps,
    actor,
    (chunk) => {
      text += chunk;
    },
    undefined,
    { deidentify },
  );
  const [header, ...records] = parseCsv(text);
  expect(header!.fields).toEqual(['study_id', 'site', 'visit', 'instrument', 'instance', 'item', 'value']);
  const rows = records.map((rec) => {
    const [study_id, site, visit, instrument, instance, item, value] = rec.fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    return { study_id, site, visit, instrument, instance, item, value };
  });
  return { text, rows };
}

const key = (row: Row) => [row.study_id, row.visit, row.instrument, row.instance, row.item].join('\t');
const days = (a: string, b: string) => (Date.parse(a) - Date.parse(b)) / 86_400_000;

describe('the de-identified tidy export', () => {
  let r: Registry;
  let shifts: Map<string, number>;
  let plain: Row[];
  let deid: { text: string; rows: Row[] };
  beforeAll(async () => {
    r = await createWorkflowRegistry();
    r.setTime('2026-04-01T09:00:00.000Z');
    // VCU-0003 carries direct identifiers, a coded (declined) sex and free text of every kind.
    await enrolSubject(r.deps, VCU_COORDINATOR, {
      siteId: 'VCU',
      answers: { birth_year: 1941, consent_date: '2026-03-03', index_date: '2026-03-04' },
      missing: { sex: 'declined' },
      identity: { family_name: 'Zebedeeson', mrn: 'MRN-778899' },
    });
    await recordResponse(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      visit: 'procedure',
      instrument: 'procedure',
      answers: {
        procedure_date: '2026-03-06',
        start_time: '10:15',
        end_time: '10:50',
        operator: 'Dr Quentin Hiddenname',
        setting: 'outpatient',
        sides: 'bilateral',
      },
    });
    await recordResponse(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0003',
      visit: 'procedure',
      instrument: 'procedure',
      answers: { procedure_date: '2026-03-09', setting: 'inpatient', sides: 'bilateral' },
      missing: { operator: 'unknown' },
    });
    await recordVisit(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0001',
      visit: 'baseline',
      date: '2026-03-02',
      mode: 'clinic',
    });
    await recordVisit(r.deps, VCU_COORDINATOR, {
      studyId: 'VCU-0003',
      visit: 'baseline',
      missedReason: 'Mrs Zebedeeson was in St Mary hospital',
    });
    const pain = await recordPain(r, VCU_COORDINATOR, 'VCU-0001', 'baseline', 6);
    await signResponse(r.deps, VCU_INVESTIGATOR, { id: pain.id, version: pain.version, password: PASSWORD });
    await recordPain(r, APMSS_COORDINATOR, 'APMSS-0001', 'baseline', 8);
    shifts = new Map(
      (await r.deps.db.selectFrom('subject').select(['study_id', 'date_shift_days']).execute()).map((s) => [
        s.study_id,
        s.date_shift_days,
      ]),
    );
    plain = (await exportRows(r, SYSTEM_ACTOR, false)).rows;
    deid = await exportRows(r, STATISTICIAN, true);
  });
  afterAll(() => r.destroy());

  test('every subject has a shift other than 0, and the export covers every subject by study id', () => {
    expect([...shifts.values()].every((d) => d !== 0)).toBe(true);
    expect(new Set(deid.rows.map((row) => row.study_id))).toEqual(new Set(plain.map((row) => row.study_id)));
    expect(new Set(deid.rows.map((row) => row.study_id))).toEqual(new Set(shifts.keys()));
  });

  test("every date (date items and visit dates) moves by its subject's shift; other values stay", () => {
    const byKey = new Map(deid.rows.map((row) => [key(row), row]));
    let dates = 0;
    for (const row of plain) {
      const out = byKey.get(key(row));
      const isDate =
        row.instrument === 'visit'
          ? row.item === 'date'
          : getInstrument(row.instrument).items.find((i) => i.id === row.item)?.type === 'date';
      if (isDate && !row.value.startsWith('[missing:')) {
        dates++;
        expect(out?.value).toBe(shiftIsoDate(row.value, shifts.get(row.study_id)!));
        expect(out?.value).not.toBe(row.value);
      } else if (out) {
        expect(out.value).toBe(row.value);
      }
    }
    // consent and index dates of 4 subjects, 2 procedure dates, 1 visit date
    expect(dates).toBeGreaterThanOrEqual(11);
  });

  test('intervals within a subject are kept (consent to procedure, visit to procedure)', () => {
    const value = (rows: Row[], study: string, instrument: string, item: string) =>
      rows.find((row) => row.study_id === study && row.instrument === instrument && row.item === item)!.value;
    for (const rows of [plain, deid.rows]) {
      expect(
        days(
          value(rows, 'VCU-0001', 'procedure', 'procedure_date'),
          value(rows, 'VCU-0001', 'enrollment', 'consent_date'),
        ),
      ).toBe(4);
      expect(
        days(
          value(rows, 'VCU-0001', 'procedure', 'procedure_date'),
          value(rows, 'VCU-0001', 'visit', 'date'),
        ),
      ).toBe(4);
      expect(
        days(
          value(rows, 'VCU-0003', 'procedure', 'procedure_date'),
          value(rows, 'VCU-0003', 'enrollment', 'index_date'),
        ),
      ).toBe(5);
    }
  });

  test('times of day, choices and scores are kept', () => {
    const get = (item: string) =>
      deid.rows.find((row) => row.study_id === 'VCU-0001' && row.item === item)?.value;
    expect(get('start_time')).toBe('10:15');
    expect(get('end_time')).toBe('10:50');
    expect(get('setting')).toBe('outpatient');
    expect(
      deid.rows.find(
        (row) => row.study_id === 'APMSS-0001' && row.instrument === 'pain' && row.item === 'score',
      )?.value,
    ).toBe('8');
  });

  test('no free-text value, no identifier, no signer and no signature row leaves', () => {
    expect(plain.some((row) => row.item === '_signature')).toBe(true);
    expect(deid.rows.some((row) => row.item === '_signature')).toBe(false);
    for (const secret of ['Hiddenname', 'Zebedeeson', 'MRN-778899', 'St Mary', 'ivan.vcu', 'cora.vcu']) {
      expect(deid.text).not.toContain(secret);
    }
    expect(deid.rows.some((row) => row.item === 'missed_reason')).toBe(false);
    for (const row of deid.rows) {
      if (row.instrument === 'visit') continue;
      const item = getInstrument(row.instrument).items.find((i) => i.id === row.item)!;
      if (isFreeText(item)) expect(row.value).toMatch(/^\[missing:[a-z_]+\]$/);
    }
    // The enrolment's study id and site code are patterned text: pseudonyms, kept.
    expect(deid.rows.find((row) => row.study_id === 'VCU-0003' && row.item === 'study_id')?.value).toBe(
      'VCU-0003',
    );
  });

  test('missing-data codes are kept, on free text and on any other item', () => {
    const coded = deid.rows
      .filter((row) => row.value.startsWith('[missing:'))
      .map((row) => [row.study_id, row.item, row.value]);
    expect(coded).toEqual(
      expect.arrayContaining([
        ['VCU-0003', 'sex', '[missing:declined]'],
        ['VCU-0003', 'operator', '[missing:unknown]'],
      ]),
    );
  });

  test('the rule itself: an item an instrument does not define does not leave', () => {
    const row = {
      study_id: 'VCU-0001',
      site: 'VCU',
      visit: 'baseline',
      instrument: 'pain',
      instance: 1,
      item: 'nickname',
      value: 'x',
    };
    expect(deidentifiedRow(row, getInstrument('pain'), 3)).toBeNull();
    expect(shiftIsoDate('2024-02-28', 2)).toBe('2024-03-01');
    expect(shiftIsoDate('2026-01-01', -1)).toBe('2025-12-31');
  });

  test('scope: the monitor sees every site, a site coordinator only their own, the admin none', async () => {
    const mona = await exportRows(r, MONITOR, true);
    expect(new Set(mona.rows.map((row) => row.site))).toEqual(new Set(['VCU', 'APMSS']));
    const cora = await exportRows(r, VCU_COORDINATOR, true);
    expect(new Set(cora.rows.map((row) => row.site))).toEqual(new Set(['VCU']));
    const cole = await exportRows(r, APMSS_COORDINATOR, true);
    expect(new Set(cole.rows.map((row) => row.study_id))).toEqual(new Set(['APMSS-0001']));
    const refused = await rejects(exportTidy(r.deps, ADMIN, () => {}, undefined, { deidentify: true }));
    expect(refused.code).toBe('FORBIDDEN');
  });

  test('each export is an audit event; one cut off midway is recorded with complete: false', async () => {
    const events = () =>
      r.deps.db
        .selectFrom('audit_event')
        .select(['actor', 'site_id', 'entity_id', 'after'])
        .where('action', '=', 'export.deidentified')
        .orderBy('id')
        .execute();
    const before = await events();
    expect(before[0]).toMatchObject({ actor: 'stan.stats', site_id: null, entity_id: 'deidentified' });
    expect(before[0]!.after).toMatchObject({ subjects: 4, scope: 'all sites' });
    expect(before[0]!.after).not.toHaveProperty('complete');
    let chunks = 0;
    const gone = exportTidy(
      r.deps,
      STATISTICIAN,
      () => {
        if (++chunks === 2) throw new Error('reader gone');
      },
      undefined,
      { deidentify: true },
    );
    await expect(gone).rejects.toThrow('reader gone');
    const after = await events();
    expect(after.length).toBe(before.length + 1);
    expect(after.at(-1)!.after).toMatchObject({ complete: false, scope: 'all sites' });
  });
});
