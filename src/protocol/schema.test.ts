import { describe, expect, test } from 'vitest';
import { RegistryError } from '../errors.js';
import { DEFAULT_PLAUSIBILITY } from '../instruments/index.js';
import { SACROPLASTY_SIF } from './default-protocol.js';
import { loadProtocol } from './load-protocol.js';

const withRules = (rules: Record<string, unknown>) => ({
  ...JSON.parse(JSON.stringify(SACROPLASTY_SIF)),
  rules,
});

describe('the protocol sets the plausibility limits', () => {
  test('the default protocol states them, and a file without them gets the defaults', () => {
    expect(SACROPLASTY_SIF.rules.plausibility).toEqual(DEFAULT_PLAUSIBILITY);
    const loaded = loadProtocol(withRules({ odiMaxMissingSections: 2, mmeTable: 'cdc-2022' }));
    expect(loaded.rules.plausibility).toEqual(DEFAULT_PLAUSIBILITY);
  });

  test('a protocol may set its own limits', () => {
    const plausibility = { maxMmeDay: 500, maxStrength: { mg: 400, mcg_per_hr: 200 } };
    const loaded = loadProtocol(withRules({ odiMaxMissingSections: 2, mmeTable: 'cdc-2022', plausibility }));
    expect(loaded.rules.plausibility).toEqual(plausibility);
  });

  test('limits that are not positive numbers are refused with their path', () => {
    try {
      loadProtocol(
        withRules({
          odiMaxMissingSections: 2,
          mmeTable: 'cdc-2022',
          plausibility: { maxMmeDay: 0, maxStrength: { mg: 'lots', mcg_per_hr: 200, g: 1 } },
        }),
      );
      throw new Error('loaded');
    } catch (error) {
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).issues.map((i) => [i.path.join('.'), i.message])).toEqual([
        ['rules.plausibility.maxMmeDay', 'maxMmeDay must be above 0'],
        ['rules.plausibility.maxStrength.mg', 'maxStrength.mg must be a number'],
        ['rules.plausibility.maxStrength.g', 'unknown field "g"'],
      ]);
    }
  });
});
