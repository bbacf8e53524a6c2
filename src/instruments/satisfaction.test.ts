import { describe, expect, test } from 'vitest';
import { scoreSatisfaction } from './satisfaction.js';

describe('satisfaction', () => {
  test.each([
    ['very_dissatisfied', 1, false],
    ['neutral', 3, false],
    ['satisfied', 4, true],
    ['very_satisfied', 5, true],
  ])('%s scores %d (satisfied: %s)', (overall, score, satisfied) => {
    expect(scoreSatisfaction({ overall, would_repeat: true }).scores).toEqual({
      satisfaction_score: score,
      satisfied,
      would_repeat: true,
    });
  });

  test('unanswered gives null scores', () => {
    expect(scoreSatisfaction({}).scores).toEqual({
      satisfaction_score: null,
      satisfied: null,
      would_repeat: null,
    });
  });
});
