import { describe, expect, test } from 'vitest';
import { ENROLLMENT, parseAnswers } from '../instruments/index.js';
import { formatStudyId, isSiteCode, MAX_SUBJECT_NUMBER, parseStudyId } from './identifiers.js';

describe('site codes and study ids have one definition', () => {
  test.each(['VCU', 'BT', 'A1B2C3D4E5F6'])('%s is a site code', (code) => {
    expect(isSiteCode(code)).toBe(true);
  });

  test.each(['vcu', 'V', '1VCU', 'VCU-1', 'A1B2C3D4E5F6G', ''])('%j is not a site code', (code) => {
    expect(isSiteCode(code)).toBe(false);
  });

  test('a study id is the site code and the number padded to four digits', () => {
    expect(formatStudyId('VCU', 7)).toBe('VCU-0007');
    expect(formatStudyId('BT', 12345)).toBe('BT-12345');
    expect(parseStudyId('VCU-0007')).toEqual({ ok: true, site: 'VCU', seq: 7 });
    expect(parseStudyId(`BT-${MAX_SUBJECT_NUMBER}`)).toEqual({
      ok: true,
      site: 'BT',
      seq: MAX_SUBJECT_NUMBER,
    });
  });

  test.each([
    ['BT-00000040', 'not_canonical', 'BT-00000040 is not written as BT-0040'],
    ['BT-00040', 'not_canonical', 'BT-00040 is not written as BT-0040'],
    ['BT-2147483648', 'out_of_range', 'BT-2147483648: the number must be from 1 to 2147483647'],
    ['BT-99999999999999999999', 'out_of_range', 'the number must be from 1 to 2147483647'],
    ['BT-0000', 'out_of_range', 'BT-0000: the number must be from 1'],
    ['BT-040', 'invalid_study_id', '"BT-040" is not a study id like VCU-0007'],
    ['bt-0040', 'invalid_study_id', 'is not a study id'],
  ])('%s is refused (%s)', (text, code, message) => {
    const parsed = parseStudyId(text);
    expect(parsed).toMatchObject({ ok: false, code });
    expect(parsed.ok ? '' : parsed.message).toContain(message);
  });

  test('the enrollment form refuses a second spelling of a study id and a number past 2^31 − 1', () => {
    const form = { study_id: 'BT-00000040', site: 'BT', consent_date: '2026-03-02' };
    const result = parseAnswers(ENROLLMENT, form);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues.map((i) => [i.path, i.code])).toEqual([
      [['study_id'], 'not_canonical'],
    ]);
    const big = parseAnswers(ENROLLMENT, { ...form, study_id: 'BT-2147483648' });
    expect(big.ok ? [] : big.issues.map((i) => i.code)).toEqual(['out_of_range']);
    expect(parseAnswers(ENROLLMENT, { ...form, study_id: 'BT-0040' }).ok).toBe(true);
  });
});
