import { describe, expect, test } from 'vitest';
import { parseAnswers } from './answers.js';
import { PROCEDURE, scoreProcedure } from './procedure.js';

const BASE = { procedure_date: '2026-03-10', sides: 'bilateral' };

describe('procedure', () => {
  test('a full bilateral record parses and scores total cement and duration', () => {
    const result = parseAnswers(PROCEDURE, {
      ...BASE,
      start_time: '09:40',
      end_time: '10:25',
      setting: 'outpatient',
      indication: 'osteoporotic_sif',
      denis_zone: 'I',
      ffp_type: 'IIa',
      levels: 'S2|S1',
      guidance: 'ct_fluoroscopy',
      approach: 'long_axis',
      needles_left: '1',
      needles_right: '1',
      needle_gauge: '11',
      variant: 'plain',
      cement_type: 'pmma',
      cement_volume_left_ml: '2.5',
      cement_volume_right_ml: '3.1',
      anaesthesia: 'iv_sedation',
      leakage: 'true',
      leakage_sites: 'venous|fracture_gap',
      leakage_symptomatic: 'false',
      technical_success: 'true',
      same_day_discharge: 'true',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.answers.levels).toEqual(['S1', 'S2']);
    expect(scoreProcedure(result.answers).scores).toEqual({
      cement_volume_total_ml: 5.6,
      duration_min: 45,
      leakage_site_count: 2,
    });
  });

  test('total cement is null when no volume is recorded', () => {
    expect(scoreProcedure(BASE).scores.cement_volume_total_ml).toBeNull();
  });

  test.each([
    [{ cement_volume_left_ml: '16' }, 'cement_volume_left_ml', 'too_big'],
    [{ start_time: '10:00', end_time: '09:30' }, 'end_time', 'out_of_order'],
    [{ sides: 'left', cement_volume_right_ml: '2' }, 'cement_volume_right_ml', 'inconsistent'],
    [{ sides: 'right', needles_left: '1' }, 'needles_left', 'inconsistent'],
    [{ leakage: 'false', leakage_sites: 'canal' }, 'leakage_sites', 'inconsistent'],
    [{ dap_or_dlp: '12.5' }, 'dose_unit', 'required'],
    [{ ffp_type: 'V' }, 'ffp_type', 'invalid_choice'],
  ])('refuses %j with an issue on the item', (extra, item, code) => {
    expect(parseAnswers(PROCEDURE, { ...BASE, ...extra })).toMatchObject({
      ok: false,
      issues: [{ path: [item], code }],
    });
  });

  test('the procedure marks the subject treated and its date becomes the index date', () => {
    expect(PROCEDURE.subjectUpdate?.({ procedure_date: '2026-03-10' })).toEqual({
      status: 'treated',
      indexDate: '2026-03-10',
    });
    expect(PROCEDURE.collectedOn?.({ procedure_date: '2026-03-10' })).toBe('2026-03-10');
  });
});
