import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { END, JsonArrays, TextInterner } from './json-arrays.js';

/** Every array of `text` read element by element. */
function readAll(text: string, interner = new TextInterner()): unknown[][] {
  const arrays = new JsonArrays(text, interner);
  const out: unknown[][] = [];
  while (arrays.open()) {
    const a: unknown[] = [];
    for (let v = arrays.value(); v !== END; v = arrays.value()) a.push(v);
    out.push(a);
  }
  return out;
}

describe('JSON arrays are read as JSON.parse reads them', () => {
  test('strings with escapes, unicode, long text, numbers, literals, nested arrays and objects', () => {
    const arrays = [
      ['a "quoted" \\ back\nslash', 'é ü 中文 😀', 'x'.repeat(40), '', 'true', null, true, false],
      [0, -1, 12, 3.25, -0.5, 1e21, 2.5e-7, 123456789012345, 1234567890123456],
      [[1, 'two', [3]], { a: 'b', c: [null, { d: '}' }] }, '[\\"I\\", \\"II\\"]', ']', '['],
    ];
    const text = arrays.map((a) => JSON.stringify(a)).join(',');
    expect(readAll(text)).toEqual(arrays);
  });

  test('any arrays of scalars and nested values read back equal, with or without spaces', () => {
    const scalar = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.oneof(
      scalar,
      fc.array(scalar, { maxLength: 3 }),
      fc.dictionary(fc.string(), scalar, { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.array(value, { maxLength: 6 }), { maxLength: 5 }),
        fc.boolean(),
        (arrays, spaced) => {
          const sep = spaced ? ', ' : ',';
          const text = arrays.map((a) => `[${a.map((v) => JSON.stringify(v)).join(sep)}]`).join(sep);
          const parsed = JSON.parse(`[${text}]`) as unknown[][];
          expect(readAll(text)).toEqual(parsed);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('one string per distinct text: a repeated answer is the same string', () => {
    const [[a, b, c]] = readAll('["2026-01-02","2026-01-02","a very long answer text"]') as [unknown[]];
    expect(a).toBe(b);
    const [[d]] = readAll('["a very long answer text"]') as [unknown[]];
    expect(d).toBe('a very long answer text');
    const interner = new TextInterner();
    const first = readAll('["a very long answer text"]', interner)[0]![0];
    const again = readAll('["a very long answer text"]', interner)[0]![0];
    expect(again).toBe(first);
    expect(c).toBe('a very long answer text');
  });

  test('an escaped and an unescaped text are told apart; many distinct texts all read back', () => {
    const texts = Array.from({ length: 5000 }, (_, i) => `t${i}`);
    const text = `[${[...texts, 'a\\"b', 'a"b'].map((t) => JSON.stringify(t)).join(',')}]`;
    expect(readAll(text)[0]).toEqual([...texts, 'a\\"b', 'a"b']);
  });

  test('past the end of an array every element is END, until the next array is entered', () => {
    const arrays = new JsonArrays('["a"],["b",["c"]]', new TextInterner());
    expect(arrays.value()).toBe(END);
    expect(arrays.open()).toBe(true);
    expect([arrays.value(), arrays.value(), arrays.key(), arrays.value()]).toEqual(['a', END, END, END]);
    expect(arrays.open()).toBe(true);
    expect(arrays.key()).toBe('b');
    arrays.skip();
    expect(arrays.value()).toBe(END);
    expect(arrays.open()).toBe(false);
  });

  test('an empty text has no arrays; an empty array has no elements', () => {
    expect(readAll('')).toEqual([]);
    expect(readAll('[],[]')).toEqual([[], []]);
  });
});
