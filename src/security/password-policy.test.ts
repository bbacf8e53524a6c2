import { describe, expect, test } from 'vitest';
import { passwordProblem } from './password-policy.js';

describe('password policy (ASVS 6.2: length 12, no common, breached or trivial passwords)', () => {
  test.each([
    ['aaaaaaaaaaaa', 'is too repetitive (a few characters repeated); use a longer phrase of unrelated words'],
    ['            ', 'must not be only spaces'],
    ['password1234', 'is on the list of common or breached passwords'],
    ['PASSWORD1234', 'is on the list of common or breached passwords'],
    ['P@ssw0rd1234', 'is a common password with a few characters added'],
    ['!!dragon2024!', 'is a common password with a few characters added'],
    ['123456789012', 'is a keyboard or alphabet sequence'],
    ['abababababab', 'is too repetitive (a few characters repeated); use a longer phrase of unrelated words'],
    [
      'abcdeabcdeabcde',
      'is too repetitive (a few characters repeated); use a longer phrase of unrelated words',
    ],
    ['abcdefghijklm', 'is a keyboard or alphabet sequence'],
    ['zyxwvutsrqpon', 'is a keyboard or alphabet sequence'],
    ['qwertyuiopasdf', 'is a keyboard or alphabet sequence'],
    ['1qaz2wsx3edc4rfv', 'is a keyboard or alphabet sequence'],
    ['98765432109876', 'is a keyboard or alphabet sequence'],
    ['iloveyouiloveyou', 'is on the list of common or breached passwords'],
    ['short', 'must have at least 12 characters'],
    ['😀😀😀😀😀😀', 'must have at least 12 characters'],
  ])('%j is refused: %s', (password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });

  test('a password containing the username is refused', () => {
    expect(passwordProblem('cora.vcu likes tea', { username: 'cora.vcu' })).toBe(
      'must not contain the username',
    );
  });

  test.each([
    'correct horse battery staple',
    'a long enough secret',
    'Tq8#vLm2pZ!w',
    'dragon@84829374',
    'seven blue kettles sing',
  ])('%j is accepted', (password) => {
    expect(passwordProblem(password, { username: 'cora.vcu' })).toBeUndefined();
  });
});
