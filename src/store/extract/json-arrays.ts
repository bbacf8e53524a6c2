// Reads texts of JSON arrays (as PostgreSQL writes them: `[...],[...]`) element by element, without
// JSON.parse making an array per form and a new string per answer: the extraction reads 770,000
// forms, and most answers repeat ("true", a code, a date), so each distinct text is one string.

/** What `JsonArrays.value` gives at the end of an array. */
export const END: unique symbol = Symbol('end of array');

/** A string at least this long made by `slice` would keep the whole text alive (a sliced string). */
const SLICED_MIN = 13;
/** Distinct texts kept at most (study ids, dates, codes); past it, texts are no longer shared. */
const MAX_SHARED = 1 << 19;

/** The hash of `text` from `a` to `b` as the interner keys it (the text as written, escapes included). */
export function hashText(text: string, a: number, b: number): number {
  let hash = 0;
  for (let i = a; i < b; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * One string per distinct text read (an open-addressing table keyed by the text's hash), so a code
 * read 100,000 times is one string: no garbage, and compared and hashed by identity downstream.
 */
export class TextInterner {
  private raw: (string | undefined)[];
  private values: unknown[];
  private hashes: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 12) {
    this.raw = new Array(capacity).fill(undefined);
    this.values = new Array(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /**
   * Makes `strings` the ones given for their texts (the subjects' study ids: the keys of the maps
   * the cohort is built in, so each look-up finds its key by identity).
   */
  seed(strings: Iterable<string>): void {
    for (const s of strings) {
      if (s.includes('\\') || s.includes('"')) continue;
      this.take(s, 0, s.length, hashText(s, 0, s.length), false, s);
    }
  }

  /**
   * The value of the JSON string whose text (between its quotes) runs from `a` to `b` in `text`.
   * @param hash - `hashText` of that text.
   * @param escaped - whether it holds an escape (then its value is decoded by JSON.parse).
   */
  take(text: string, a: number, b: number, hash: number, escaped: boolean, given?: string): unknown {
    const length = b - a;
    let i = hash & this.mask;
    for (;;) {
      const k = this.raw[i];
      if (k === undefined) break;
      if (this.hashes[i] === hash && k.length === length && text.startsWith(k, a)) return this.values[i];
      i = (i + 1) & this.mask;
    }
    // A short slice is a copy; a longer one is copied through a concatenation, so the string kept
    // does not hold the whole text alive.
    const slice = given ?? text.slice(a, b);
    const raw = given ?? (length < SLICED_MIN ? slice : ` ${slice}`.slice(1));
    // With an escape, the key is the text as written and the value its decoding.
    const value = escaped ? JSON.parse(`"${slice}"`) : raw;
    if (this.count >= MAX_SHARED) return value;
    this.raw[i] = raw;
    this.values[i] = value;
    this.hashes[i] = hash;
    if (++this.count * 2 > this.raw.length) this.grow();
    return value;
  }

  private grow(): void {
    const { raw, values, hashes } = this;
    const capacity = raw.length * 2;
    this.raw = new Array(capacity).fill(undefined);
    this.values = new Array(capacity).fill(undefined);
    this.hashes = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let j = 0; j < raw.length; j++) {
      const k = raw[j];
      if (k === undefined) continue;
      let i = hashes[j]! & this.mask;
      while (this.raw[i] !== undefined) i = (i + 1) & this.mask;
      this.raw[i] = k;
      this.values[i] = values[j];
      this.hashes[i] = hashes[j]!;
    }
  }
}

/** True for JSON's insignificant whitespace. */
const isSpace = (c: number) => c === 32 || c === 10 || c === 13 || c === 9;

/**
 * A cursor over a text of JSON arrays separated by commas (`[...],[...]`), as `string_agg` of
 * PostgreSQL's JSON gives it: `open` enters the next array, `value` reads its next element (END
 * after the last). Scalars are read in place (strings through the interner); a nested array or
 * object goes through JSON.parse. The text is PostgreSQL's own JSON output, so it is well formed.
 */
export class JsonArrays {
  pos = 0;
  /** The key read last (a string without escapes), checked first by `key`. */
  private last = '';
  /** The array entered has ended: every further element is END until `open`. */
  private ended = true;

  /**
   * @param interner - gives the strings of values (few and repeated: a table that stays in cache).
   * @param keys - gives the strings `key` reads (the study ids: many, each in a run of forms).
   */
  constructor(
    readonly text: string,
    readonly interner: TextInterner,
    readonly keys: TextInterner = interner,
  ) {}

  /** Reads the next element as `value` does, a string through `keys`: the key read last when it is that. */
  key(): unknown {
    if (this.ended) return END;
    const t = this.text;
    let p = this.pos;
    let c = t.charCodeAt(p);
    while (isSpace(c) || c === 44 /* , */) c = t.charCodeAt(++p);
    if (c !== 34) return this.value();
    const n = this.last.length;
    if (n > 0 && t.charCodeAt(p + 1 + n) === 34 && t.startsWith(this.last, p + 1)) {
      this.pos = p + 2 + n;
      return this.last;
    }
    const key = this.string(p, this.keys);
    // Without a quote or backslash, the text as written is the string itself: safe to match as is.
    if (typeof key === 'string' && !key.includes('"') && !key.includes('\\')) this.last = key;
    return key;
  }

  /** Enters the next array; false when the text has no more. */
  open(): boolean {
    const t = this.text;
    let p = this.pos;
    let c = t.charCodeAt(p);
    while (isSpace(c) || c === 44 /* , */) c = t.charCodeAt(++p);
    if (c !== 91 /* [ */) {
      this.pos = t.length;
      return false;
    }
    this.pos = p + 1;
    this.ended = false;
    return true;
  }

  /** Reads the next element of the array entered, or END (leaving it) when there is none. */
  value(): unknown {
    if (this.ended) return END;
    const t = this.text;
    let p = this.pos;
    let c = t.charCodeAt(p);
    while (isSpace(c)) c = t.charCodeAt(++p);
    if (c === 44 /* , */) {
      c = t.charCodeAt(++p);
      while (isSpace(c)) c = t.charCodeAt(++p);
    }
    if (c === 34 /* " */) return this.string(p, this.interner);
    if (c === 93 /* ] */) {
      this.pos = p + 1;
      this.ended = true;
      return END;
    }
    if (c === 110 /* null */) {
      this.pos = p + 4;
      return null;
    }
    if (c === 116 /* true */) {
      this.pos = p + 4;
      return true;
    }
    if (c === 102 /* false */) {
      this.pos = p + 5;
      return false;
    }
    if (c === 91 /* [ */ || c === 123 /* { */) return this.nested(p);
    return this.number(p);
  }

  /** The string whose opening quote is at `p`, through `interner`. */
  private string(p: number, interner: TextInterner): unknown {
    const t = this.text;
    let q = p + 1;
    let hash = 0;
    let escaped = false;
    for (;;) {
      const d = t.charCodeAt(q);
      if (d === 34) break;
      if (d === 92 /* \ */) {
        escaped = true;
        hash = (Math.imul(hash, 31) + d) | 0;
        q++;
      }
      hash = (Math.imul(hash, 31) + t.charCodeAt(q)) | 0;
      q++;
    }
    this.pos = q + 1;
    return interner.take(t, p + 1, q, hash, escaped);
  }

  /** Skips the rest of the array entered. */
  skip(): void {
    while (this.value() !== END) {}
  }

  /** A number: an integer of up to 15 digits read in place, any other through Number (as JSON.parse reads it). */
  private number(p: number): number {
    const t = this.text;
    let q = p;
    let whole = 0;
    let plain = true;
    for (;;) {
      const c = t.charCodeAt(q);
      if (c >= 48 && c <= 57) whole = whole * 10 + (c - 48);
      else if (c === 45 || c === 43 || c === 46 || c === 101 || c === 69) plain = false;
      else break;
      q++;
    }
    this.pos = q;
    return plain && q - p <= 15 ? whole : Number(t.slice(p, q));
  }

  /** A nested array or object, through JSON.parse. */
  private nested(p: number): unknown {
    const t = this.text;
    let depth = 0;
    let q = p;
    for (;;) {
      const c = t.charCodeAt(q++);
      if (c === 34) {
        for (;;) {
          const d = t.charCodeAt(q++);
          if (d === 92) q++;
          else if (d === 34) break;
        }
      } else if (c === 91 || c === 123) depth++;
      else if ((c === 93 || c === 125) && --depth === 0) break;
    }
    this.pos = q;
    return JSON.parse(t.slice(p, q));
  }
}
