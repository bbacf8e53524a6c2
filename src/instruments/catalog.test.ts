import { describe, expect, test } from 'vitest';
import { RegistryError } from '../errors.js';
import { formatAnswer, parseAnswerText } from './answers.js';
import { getInstrument, INSTRUMENT_LIST, INSTRUMENTS } from './catalog.js';
import { dataDictionary } from './data-dictionary.js';

const SNAKE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

describe('instrument catalog', () => {
  test('holds the eleven registry instruments', () => {
    expect([...INSTRUMENTS.keys()]).toEqual([
      'enrollment',
      'eligibility',
      'pain',
      'odi',
      'analgesic',
      'procedure',
      'adverse_event',
      'osteoporosis_care',
      'physical_therapy',
      'satisfaction',
      'end_of_study',
    ]);
  });

  test('only adverse events and analgesics repeat', () => {
    expect(INSTRUMENT_LIST.filter((d) => d.repeating).map((d) => d.id)).toEqual([
      'analgesic',
      'adverse_event',
    ]);
  });

  test.each(INSTRUMENT_LIST.map((d) => [d.id, d] as const))(
    '%s has unique snake_case items and choice codes',
    (_id, def) => {
      const ids = def.items.map((i) => i.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const item of def.items) {
        expect(item.id).toMatch(SNAKE);
        if (item.type === 'choice' || item.type === 'multichoice') {
          const codes = (item.choices ?? []).map((c) => c.code);
          expect(codes.length).toBeGreaterThan(0);
          expect(new Set(codes).size).toBe(codes.length);
          for (const code of codes)
            expect(parseAnswerText(item, formatAnswer(item, code))).toMatchObject({ ok: true });
        }
      }
    },
  );

  test('an unknown instrument throws UNKNOWN_INSTRUMENT naming the known ones', () => {
    expect(getInstrument('odi').id).toBe('odi');
    expect(() => getInstrument('roland_morris')).toThrow(RegistryError);
    expect(() => getInstrument('roland_morris')).toThrow(
      /unknown instrument "roland_morris" \(known: enrollment, /,
    );
  });
});

describe('dataDictionary', () => {
  const rows = dataDictionary();

  test('has one row per item of every instrument', () => {
    expect(rows).toHaveLength(INSTRUMENT_LIST.reduce((n, d) => n + d.items.length, 0));
  });

  test('describes the pain score with its range, without a 0–10 code on the raw value', () => {
    expect(rows.find((r) => r.instrument === 'pain' && r.item === 'score')).toEqual({
      instrument: 'pain',
      item: 'score',
      label: 'Pain now / on average over the last 24 hours',
      type: 'decimal',
      unit: null,
      choices: null,
      min: 0,
      max: 100,
      required: true,
      code: null,
    });
  });

  test('carries LOINC codes where they exist', () => {
    expect(rows.find((r) => r.item === 'sex')?.code).toBe('http://loinc.org|46098-0');
    expect(rows.find((r) => r.item === 'vitamin_d_25oh')?.code).toBe('http://loinc.org|62292-8');
  });

  test('lists choices as code=label joined by |', () => {
    expect(rows.find((r) => r.instrument === 'pain' && r.item === 'scale')?.choices).toBe(
      'nrs=Numeric rating scale 0–10|vas=Visual analogue scale 0–100 mm',
    );
  });
});
