import { booleanAnswer, choices, stringAnswer } from './item-helpers.js';
import type { Answers, InstrumentDef, ScoreResult } from './types.js';

const OVERALL = choices([
  ['very_dissatisfied', 'Very dissatisfied', 1],
  ['dissatisfied', 'Dissatisfied', 2],
  ['neutral', 'Neither satisfied nor dissatisfied', 3],
  ['satisfied', 'Satisfied', 4],
  ['very_satisfied', 'Very satisfied', 5],
]);

/** Overall satisfaction 1–5 from the choice scores; "satisfied" is 4 or 5 (registry rule). */
export function scoreSatisfaction(a: Answers): ScoreResult {
  const code = stringAnswer(a, 'overall');
  const score = OVERALL.find((c) => c.code === code)?.score ?? null;
  return {
    scores: {
      satisfaction_score: score,
      satisfied: score === null ? null : score >= 4,
      would_repeat: booleanAnswer(a, 'would_repeat') ?? null,
    },
    main: {},
  };
}

/** Satisfaction with the procedure (registry instrument, CLINICAL.md), asked at the last visit. */
export const SATISFACTION: InstrumentDef = {
  id: 'satisfaction',
  version: '1.0.0',
  title: 'Satisfaction with the procedure',
  repeating: false,
  items: [
    {
      id: 'overall',
      label: 'Overall, how satisfied are you with the procedure?',
      type: 'choice',
      choices: OVERALL,
    },
    { id: 'would_repeat', label: 'Would you have the procedure again?', type: 'boolean' },
  ],
  score: scoreSatisfaction,
};
