// Password policy (OWASP ASVS 4.0 §2.1 / 5.0 §6.2, NIST SP 800-63B §5.1.1.2): at least 12 characters,
// no composition rules, refused when common, breached, trivially repetitive or sequential.
import { COMMON_PASSWORDS_TEXT } from './common-passwords.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

let common: ReadonlySet<string> | undefined;

/** The committed list of common and breached passwords (lower case), read once on first use. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(COMMON_PASSWORDS_TEXT.split('\n'));
  return common;
}

/** Runs of keys people type in order; a password inside one (either way round) is sequential. */
const SEQUENCES = [
  'abcdefghijklmnopqrstuvwxyz',
  '0123456789',
  'qwertyuiopasdfghjklzxcvbnm',
  'qwertzuiopasdfghjklyxcvbnm',
  'azertyuiopqsdfghjklmwxcvbn',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
  '!@#$%^&*()_+',
];

/** Common letter-for-symbol swaps (p@ssw0rd), undone before the list is consulted. */
const LEET: Readonly<Record<string, string>> = {
  '@': 'a',
  '4': 'a',
  '8': 'b',
  '(': 'c',
  '3': 'e',
  '6': 'g',
  '1': 'i',
  '!': 'i',
  '|': 'l',
  '0': 'o',
  $: 's',
  '5': 's',
  '7': 't',
  '+': 't',
  '2': 'z',
};

const unleet = (text: string) => [...text].map((c) => LEET[c] ?? c).join('');

/** The shortest unit the text repeats (abcabcabc → abc); the text itself when it does not repeat. */
function repeatedUnit(text: string): string {
  for (let n = 1; n <= text.length / 2; n++) {
    if (text.length % n === 0 && text.slice(0, n).repeat(text.length / n) === text) return text.slice(0, n);
  }
  return text;
}

/** Whether the text walks a keyboard or alphabet run, possibly repeating it (123456789012, abcdefabcdef). */
function isSequential(text: string): boolean {
  if (text.length < 3) return false;
  const unit = repeatedUnit(text);
  const runs = SEQUENCES.flatMap((s) => {
    const twice = s + s;
    return [twice, [...twice].reverse().join('')];
  });
  return runs.some((run) => run.includes(unit) && unit.length >= 3) || runs.some((run) => run.includes(text));
}

/** Trivial: short, one repeated unit, or a keyboard/alphabet run. */
function isTrivial(text: string): boolean {
  return text.length <= 6 || repeatedUnit(text).length <= 3 || isSequential(text);
}

/**
 * Why a password is refused, or undefined when it is acceptable. One rule for every place that sets
 * a password (`user add`, and password changes to come). Spaces count as characters (passphrases
 * are welcome), but a password of blanks is refused.
 */
export function passwordProblem(password: string, context: { username?: string } = {}): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (length > MAX_PASSWORD_LENGTH) return `must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (password.trim() === '') return 'must not be only spaces';
  const lower = password.toLowerCase();
  const compact = lower.replace(/\s+/g, '');
  const unit = repeatedUnit(compact);
  if (new Set(compact).size < 4 || (unit !== compact && unit.length <= 6)) {
    return 'is too repetitive (a few characters repeated); use a longer phrase of unrelated words';
  }
  if (isSequential(compact)) return 'is a keyboard or alphabet sequence';
  const list = commonPasswords();
  if ([lower, compact, unleet(compact), unit, unleet(unit)].some((p) => list.has(p))) {
    return 'is on the list of common or breached passwords';
  }
  // A common word with trivial padding (password1234, !!dragon2024) is still a common password.
  const [, before = '', core = compact, after = ''] = /^([^a-z]*)(.*?)([^a-z]*)$/.exec(compact) ?? [];
  const trivialPadding = (before === '' || isTrivial(before)) && (after === '' || isTrivial(after));
  if (core !== compact && (list.has(core) || list.has(unleet(core))) && trivialPadding) {
    return 'is a common password with a few characters added';
  }
  const username = context.username?.toLowerCase();
  if (username && username.length >= 3 && compact.includes(username.replace(/\s+/g, ''))) {
    return 'must not contain the username';
  }
  return undefined;
}
