import { describe, expect, test } from 'vitest';
import { RegistryError } from '../errors.js';
import { drugClass, MME_TABLES, methadoneFactor2016, mmeFactor } from './mme-tables.js';

describe('MME factor tables (CLINICAL.md, CDC 2022 and 2016)', () => {
  test('CDC 2022 factors', () => {
    expect(MME_TABLES['cdc-2022']).toEqual({
      codeine: 0.15,
      fentanyl_transdermal: 2.4,
      hydrocodone: 1,
      hydromorphone: 5,
      methadone: 4.7,
      morphine: 1,
      oxycodone: 1.5,
      oxymorphone: 3,
      tapentadol: 0.4,
      tramadol: 0.2,
    });
  });

  test('CDC 2016 differs only in hydromorphone 4, tramadol 0.1 and banded methadone', () => {
    const { methadone, ...rest } = MME_TABLES['cdc-2016'];
    expect(rest).toEqual({
      codeine: 0.15,
      fentanyl_transdermal: 2.4,
      hydrocodone: 1,
      hydromorphone: 4,
      morphine: 1,
      oxycodone: 1.5,
      oxymorphone: 3,
      tapentadol: 0.4,
      tramadol: 0.1,
    });
    expect(methadone).toBe(methadoneFactor2016);
  });

  test.each([
    [1, 4],
    [20, 4],
    [20.5, 8],
    [21, 8],
    [40, 8],
    [41, 10],
    [60, 10],
    [60.5, 12],
    [61, 12],
    [200, 12],
  ])('CDC 2016 methadone at %d mg/day has factor %d', (mg, factor) => {
    expect(mmeFactor('cdc-2016', 'methadone', mg)).toBe(factor);
  });

  test('CDC 2022 methadone is 4.7 at any dose', () => {
    expect(mmeFactor('cdc-2022', 'methadone', 100)).toBe(4.7);
  });

  test('a drug without a factor throws UNKNOWN_DRUG', () => {
    expect(() => mmeFactor('cdc-2022', 'buprenorphine', 8)).toThrow(RegistryError);
    expect(() => mmeFactor('cdc-2022', 'heroin', 8)).toThrow(/no factor in MME table cdc-2022/);
  });

  test.each([
    ['oxycodone', 'opioid'],
    ['buprenorphine', 'opioid_no_factor'],
    ['nsaid', 'non_opioid'],
    ['heroin', undefined],
  ])('%s is %s', (drug, cls) => {
    expect(drugClass(drug)).toBe(cls);
  });
});
