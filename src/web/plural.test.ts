import { describe, expect, test } from 'vitest';
import { counted } from './plural.js';

describe('a count says its noun in the right number', () => {
  test.each([
    [0, 'participant', undefined, '0 participants'],
    [1, 'participant', undefined, '1 participant'],
    [2, 'participant', undefined, '2 participants'],
    [1, 'query', 'queries', '1 query'],
    [7, 'query', 'queries', '7 queries'],
  ])('%i %s', (n, one, many, text) => {
    expect(counted(n, one, many)).toBe(text);
  });
});
