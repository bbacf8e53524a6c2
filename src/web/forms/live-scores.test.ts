import vm from 'node:vm';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  ANALGESIC,
  type Answers,
  DEFAULT_SCORING,
  KNOWN_DRUGS,
  ODI,
  ODI_SECTIONS,
  type ScoringOptions,
  scoreAnalgesic,
  scoreOdi,
} from '../../instruments/index.js';
import { APP_JS } from '../static/app-js.js';
import { type LiveScore, liveScoreFor } from './live-scores.js';

type Live = (rule: LiveScore, picked: (name: string) => string[]) => { value: number | null; text: string };

/** The live-score rules of the page script, run as the browser runs them (a script, not a module). */
function scriptRules(): { liveOdi: Live; liveMme: Live } {
  const context = vm.createContext({ document: { addEventListener: () => {} } });
  vm.runInContext(APP_JS, context);
  return context as unknown as { liveOdi: Live; liveMme: Live };
}

const { liveOdi, liveMme } = scriptRules();

/** The form fields' values of some answers, as the script reads them (`a.<item>`, each value a list). */
const pickerOf = (answers: Record<string, string | string[] | undefined>) => (name: string) => {
  const v = answers[name.replace(/^a\./, '')];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

const close = (a: number | null, b: number | null | undefined) =>
  a === null || b === null || b === undefined ? a === (b ?? null) : Math.abs(a - b) < 1e-9;

describe('the live scores of the page script follow the server scoring rules', () => {
  test.each([0, 1, 2, 3])(
    'ODI: the same score as scoreOdi for any answers (at most %i sections missing)',
    (maxMissing) => {
      const rules: ScoringOptions = { ...DEFAULT_SCORING, odiMaxMissingSections: maxMissing };
      const rule = liveScoreFor(ODI, rules)!;
      const codes = ['0', '1', '2', '3', '4', '5', 'na'];
      const section = fc.option(fc.uniqueArray(fc.constantFrom(...codes), { minLength: 1, maxLength: 2 }), {
        nil: undefined,
      });
      fc.assert(
        fc.property(fc.tuple(...ODI_SECTIONS.map(() => section)), (picks) => {
          const answers = Object.fromEntries(ODI_SECTIONS.map(([id], i) => [id, picks[i]]));
          const typed = Object.fromEntries(
            Object.entries(answers).filter(([, v]) => v !== undefined),
          ) as Record<string, string[]>;
          const server = scoreOdi(typed, rules).main.odi_pct ?? null;
          expect(close(liveOdi(rule, pickerOf(answers)).value, server)).toBe(true);
        }),
        { numRuns: 300 },
      );
    },
  );

  test.each(['cdc-2022', 'cdc-2016'] as const)(
    'MME/day: the same as scoreAnalgesic with the %s table',
    (table) => {
      const rules: ScoringOptions = { ...DEFAULT_SCORING, mmeTable: table };
      const rule = liveScoreFor(ANALGESIC, rules)!;
      const number = fc.option(
        fc.oneof(fc.integer({ min: 0, max: 400 }), fc.double({ min: 0, max: 400, noNaN: true })).map(String),
        { nil: undefined },
      );
      fc.assert(
        fc.property(
          fc.constantFrom(...KNOWN_DRUGS),
          number,
          fc.option(fc.constantFrom('mg', 'mcg_per_hr'), { nil: undefined }),
          number,
          (drug, strength, unit, perDay) => {
            const answers = { drug, strength, unit, doses_per_day: perDay };
            const typed: Answers = {};
            for (const [k, v] of Object.entries(answers)) {
              if (v !== undefined) typed[k] = k === 'strength' || k === 'doses_per_day' ? Number(v) : v;
            }
            const server = scoreAnalgesic(typed, rules).main.mme_day;
            const live = liveMme(rule, pickerOf(answers)).value;
            // The 2016 methadone factor depends on the daily dose: the page leaves it to the server.
            if (table === 'cdc-2016' && drug === 'methadone' && server !== null) expect(live).toBeNull();
            else
              expect(close(live, server), `${JSON.stringify(answers)}: live ${live}, server ${server}`).toBe(
                true,
              );
          },
        ),
        { numRuns: 500 },
      );
    },
  );

  test('an instrument whose scoring has no live mirror gets no live score', () => {
    const { score: _score, ...unscored } = ODI;
    expect(liveScoreFor({ ...unscored, id: 'other' }, DEFAULT_SCORING)).toBeNull();
  });
});
