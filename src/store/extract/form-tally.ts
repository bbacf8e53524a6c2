// The typed scores of every subject at every visit, tallied from cohort_form's lines (migration 0020)
// into flat typed arrays, one slot per subject and visit: no object per subject or visit while the
// 2.2 M lines are read (the collector would copy each), only the cohort's own visits at the end.
import { addDose, listedStopped, type MmeSum } from '../../analysis/study/visit-mme.js';
import { TextInterner } from './json-arrays.js';

/** The typed scores of one subject at one visit, over its forms there (as `perVisit` aggregated them). */
export interface VisitTally {
  /** Any form other than end of study or an adverse event: the visit is seen. */
  seen: boolean;
  pain: number | null;
  odi: number | null;
  /** Sum of daily MME in exact hundredths over the analgesics still taken. */
  mmeHundredths: number | null;
  /** An opioid still taken has no MME (no conversion factor). */
  mmeUnknown: boolean;
  opioid: boolean | null;
  /** [instance, drug] of the opioids still taken (null: none). */
  taken: [number, string | null][] | null;
  /** [instance, drug, stop date] of the opioids listed with a stop date (null: none). */
  stopped: [number, string, string][] | null;
}

// What a slot's flags say.
const SEEN = 1;
const PRESENT = 2;
const MME_UNKNOWN = 4;
const OPIOID_FALSE = 8;
const OPIOID_TRUE = 16;
const HAS_PAIN = 32;
const HAS_ODI = 64;
const HAS_MME = 128;

/**
 * Every subject's tallies: slot `subject × codes + code` for a visit among the protocol's codes, a
 * slot past them for any other visit (`others`). `taken` and `stopped` hold flat lists per slot:
 * [instance, drug, …] and [instance, drug, stop date, …].
 */
export class VisitTallies {
  readonly width: number;
  pain: Float64Array;
  odi: Float64Array;
  mme: Float64Array;
  flags: Uint8Array;
  taken: (unknown[] | undefined)[];
  stopped: (unknown[] | undefined)[];
  /** Slots of visits outside the protocol's codes, by subject index and visit as written. */
  readonly others = new Map<number, Map<string, number>>();
  private used: number;
  private readonly index: Map<string, number>;
  /** One MmeSum read and written back around `addDose`, the rule's own code. */
  private readonly sum: MmeSum = { mmeHundredths: null, mmeUnknown: false };

  /**
   * @param studyIds - the subjects, by index (a line of any other study id is not tallied).
   * @param codes - the protocol's visit codes.
   */
  constructor(
    readonly studyIds: readonly string[],
    readonly codes: readonly string[],
  ) {
    this.width = codes.length;
    this.used = studyIds.length * this.width;
    this.index = new Map(studyIds.map((id, i) => [id, i]));
    const capacity = this.used + 256;
    this.pain = new Float64Array(capacity);
    this.odi = new Float64Array(capacity);
    this.mme = new Float64Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.taken = new Array(capacity);
    this.stopped = new Array(capacity);
  }

  /**
   * The index of a subject; -1 for a study id not among them.
   * @param from - where to look first, a few subjects on (lines come mostly in the subjects' order).
   */
  subjectIndex(studyId: string, from = 0): number {
    const end = Math.min(from + 8, this.studyIds.length);
    for (let i = Math.max(from, 0); i < end; i++) if (this.studyIds[i] === studyId) return i;
    return this.index.get(studyId) ?? -1;
  }

  /** The slot of a visit outside the protocol's codes, made on first use. */
  otherSlot(subject: number, visit: string): number {
    let visits = this.others.get(subject);
    if (!visits) {
      visits = new Map();
      this.others.set(subject, visits);
    }
    let slot = visits.get(visit);
    if (slot === undefined) {
      if (this.used === this.flags.length) this.grow();
      slot = this.used++;
      visits.set(visit, slot);
    }
    return slot;
  }

  /** Adds one form's line to its slot (max pain and ODI, the MME sum, opioid use, taken and stopped). */
  add(
    slot: number,
    seen: boolean,
    pain: number | null,
    odi: number | null,
    analgesic: boolean,
    mme: number | null,
    opioid: boolean | null,
    drug: string | null,
    stopDate: string | null,
    instance: number,
  ): void {
    let f = this.flags[slot]! | PRESENT;
    // A visit counts as seen by its forms; an end-of-study or adverse event form alone is not a visit.
    if (seen) f |= SEEN;
    if (pain !== null && (!(f & HAS_PAIN) || pain > this.pain[slot]!)) {
      this.pain[slot] = pain;
      f |= HAS_PAIN;
    }
    if (odi !== null && (!(f & HAS_ODI) || odi > this.odi[slot]!)) {
      this.odi[slot] = odi;
      f |= HAS_ODI;
    }
    // An analgesic listed with a stop date has stopped by this review: no opioid use, no MME here.
    if (analgesic && listedStopped(stopDate)) {
      if (opioid === true) listAt(this.stopped, slot).push(instance, drug ?? '', stopDate);
      this.flags[slot] = f;
      return;
    }
    const sum = this.sum;
    sum.mmeHundredths = f & HAS_MME ? this.mme[slot]! : null;
    sum.mmeUnknown = (f & MME_UNKNOWN) !== 0;
    addDose(sum, mme, opioid);
    if (sum.mmeHundredths !== null) {
      this.mme[slot] = sum.mmeHundredths;
      f |= HAS_MME;
    }
    if (sum.mmeUnknown) f |= MME_UNKNOWN;
    if (opioid === true) {
      f = (f | OPIOID_TRUE) & ~OPIOID_FALSE;
      listAt(this.taken, slot).push(instance, drug);
    } else if (opioid === false && !(f & OPIOID_TRUE)) f |= OPIOID_FALSE;
    this.flags[slot] = f;
  }

  /** Whether a slot's visit is seen. */
  seen(slot: number): boolean {
    return (this.flags[slot]! & SEEN) !== 0;
  }

  /** Whether a slot has any form. */
  present(slot: number): boolean {
    return (this.flags[slot]! & PRESENT) !== 0;
  }

  /** A slot's largest pain (null: none). */
  painAt(slot: number): number | null {
    return this.flags[slot]! & HAS_PAIN ? this.pain[slot]! : null;
  }

  /** A slot's largest ODI (null: none). */
  odiAt(slot: number): number | null {
    return this.flags[slot]! & HAS_ODI ? this.odi[slot]! : null;
  }

  /** A slot's opioid use over its forms (null: none said). */
  opioidAt(slot: number): boolean | null {
    const f = this.flags[slot]!;
    return f & OPIOID_TRUE ? true : f & OPIOID_FALSE ? false : null;
  }

  /** Writes a slot's MME sum into `sum`. */
  mmeSumAt(slot: number, sum: MmeSum): void {
    const f = this.flags[slot]!;
    sum.mmeHundredths = f & HAS_MME ? this.mme[slot]! : null;
    sum.mmeUnknown = (f & MME_UNKNOWN) !== 0;
  }

  /** A slot's tally as one object (undefined: no form there). */
  tallyAt(slot: number): VisitTally | undefined {
    const f = this.flags[slot]!;
    if (!(f & PRESENT)) return undefined;
    const taken = this.taken[slot];
    const stopped = this.stopped[slot];
    return {
      seen: (f & SEEN) !== 0,
      pain: f & HAS_PAIN ? this.pain[slot]! : null,
      odi: f & HAS_ODI ? this.odi[slot]! : null,
      mmeHundredths: f & HAS_MME ? this.mme[slot]! : null,
      mmeUnknown: (f & MME_UNKNOWN) !== 0,
      opioid: f & OPIOID_TRUE ? true : f & OPIOID_FALSE ? false : null,
      taken: taken ? tuples(taken, 2) : null,
      stopped: stopped ? tuples(stopped, 3) : null,
    };
  }

  /** The visits of a subject (by index) with a form, sorted, each with its slot. */
  visitsOf(subject: number): [string, number][] {
    const slots = new Map<string, number>(this.others.get(subject));
    this.codes.forEach((code, i) => {
      const slot = subject * this.width + i;
      if (this.present(slot)) slots.set(code, slot);
    });
    return [...slots].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The tally of a subject's visit (undefined: no form there). */
  visit(studyId: string, visit: string): VisitTally | undefined {
    const subject = this.subjectIndex(studyId);
    if (subject < 0) return undefined;
    const code = this.codes.indexOf(visit);
    const slot = code >= 0 ? subject * this.width + code : this.others.get(subject)?.get(visit);
    return slot === undefined ? undefined : this.tallyAt(slot);
  }

  private grow(): void {
    const capacity = this.flags.length * 2;
    const copy = <T extends Float64Array | Uint8Array>(from: T, to: T) => {
      to.set(from);
      return to;
    };
    this.pain = copy(this.pain, new Float64Array(capacity));
    this.odi = copy(this.odi, new Float64Array(capacity));
    this.mme = copy(this.mme, new Float64Array(capacity));
    this.flags = copy(this.flags, new Uint8Array(capacity));
    this.taken.length = capacity;
    this.stopped.length = capacity;
  }
}

/** The list of a slot, made on first use. */
function listAt(lists: (unknown[] | undefined)[], slot: number): unknown[] {
  let list = lists[slot];
  if (!list) {
    list = [];
    lists[slot] = list;
  }
  return list;
}

/** A flat list as tuples of `size`. */
function tuples<T>(flat: unknown[], size: number): T[] {
  const out: T[] = [];
  for (let i = 0; i < flat.length; i += size) out.push(flat.slice(i, i + size) as T);
  return out;
}

const US = '\x1f';

/**
 * The number written in `text` from `a` to `b`, without making a string: a decimal of up to 15
 * digits is its digits over a power of ten, one correctly rounded division, so exactly what
 * `Number` gives; anything else goes through `Number`.
 */
function numberAt(text: string, a: number, b: number): number {
  let i = a;
  const negative = text.charCodeAt(i) === 45;
  if (negative) i++;
  let digits = 0;
  let whole = 0;
  let scale = 1;
  let point = false;
  for (; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      whole = whole * 10 + (c - 48);
      digits++;
      if (point) scale *= 10;
    } else if (c === 46 && !point) point = true;
    else return Number(text.slice(a, b));
  }
  if (digits === 0 || digits > 15) return Number(text.slice(a, b));
  const value = whole / scale;
  return negative ? -value : value;
}

/** Whether `text` holds exactly `word` from `a` to `b`. */
const isAt = (text: string, a: number, b: number, word: string) =>
  b - a === word.length && text.startsWith(word, a);

/** The study id from `a` to `b` of a line, through the interner (a line's text is not JSON: no escapes). */
function studyIdAt(text: string, a: number, b: number, interner: TextInterner): string {
  let hash = 0;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    // A text JSON would escape is not looked up (the interner's keys are JSON as written).
    if (c === 92 || c === 34 || c < 32) return text.slice(a, b);
    hash = (Math.imul(hash, 31) + c) | 0;
  }
  return interner.take(text, a, b, hash, false) as string;
}

/** The text from `a` to `b` as a string of its own: a longer slice would be a view keeping the whole text alive. */
function copyOf(text: string, a: number, b: number): string {
  return b - a < 13 ? text.slice(a, b) : ` ${text.slice(a, b)}`.slice(1);
}

/** The drug from `a` to `b` of a line: one string per drug code (there are a few). */
function drugAt(text: string, a: number, b: number, drugs: string[]): string {
  for (let i = 0; i < drugs.length; i++) if (isAt(text, a, b, drugs[i]!)) return drugs[i]!;
  const drug = copyOf(text, a, b);
  if (drugs.length < 64) drugs.push(drug);
  return drug;
}

/**
 * Tallies the lines of one range into the subjects' visits (max, sum and "any" merge across ranges).
 * Read in place, field by field: a range has hundreds of thousands of lines, and a string or array
 * per field would keep the garbage collector busier than the tally itself.
 * @param interner - gives the study ids (the subjects' own strings when seeded with them).
 */
export function tallyLines(
  tallies: VisitTallies,
  text: string,
  interner: TextInterner = new TextInterner(),
): void {
  const { codes, studyIds } = tallies;
  const drugs: string[] = [];
  let last = '';
  let subject = -2;
  // The visit of the line before and its slot: a subject's forms of one visit mostly follow each other.
  let visit = '';
  let slot = -1;
  const n = text.length;
  let pos = 0;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    const idEnd = text.indexOf(US, pos);
    if (subject === -2 || !isAt(text, pos, idEnd, last)) {
      last = studyIdAt(text, pos, idEnd, interner);
      // Lines come (mostly) in the subjects' order: the next subject is tried before a look-up.
      subject = studyIds[subject + 1] === last ? subject + 1 : tallies.subjectIndex(last, subject + 2);
      slot = -1;
    }
    const visitEnd = text.indexOf(US, idEnd + 1);
    if (subject < 0) {
      pos = end + 1;
      continue;
    }
    if (slot < 0 || !isAt(text, idEnd + 1, visitEnd, visit)) {
      let code = 0;
      while (code < codes.length && !isAt(text, idEnd + 1, visitEnd, codes[code]!)) code++;
      if (code < codes.length) {
        visit = codes[code]!;
        slot = subject * tallies.width + code;
      } else {
        visit = copyOf(text, idEnd + 1, visitEnd);
        slot = tallies.otherSlot(subject, visit);
      }
    }
    let fieldEnd = text.indexOf(US, visitEnd + 1);
    if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
    const kind = text.charCodeAt(visitEnd + 1);
    let pain: number | null = null;
    let odi: number | null = null;
    let mme: number | null = null;
    let opioid: boolean | null = null;
    let drug: string | null = null;
    let stopDate: string | null = null;
    let instance = 0;
    while (fieldEnd < end) {
      const a = fieldEnd + 1;
      fieldEnd = text.indexOf(US, a);
      if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
      switch (text.charCodeAt(a)) {
        case 112 /* p */:
          pain = numberAt(text, a + 1, fieldEnd);
          break;
        case 111 /* o */:
          odi = numberAt(text, a + 1, fieldEnd);
          break;
        case 109 /* m */:
          mme = numberAt(text, a + 1, fieldEnd);
          break;
        case 113 /* q */:
          opioid = text.charCodeAt(a + 1) === 49;
          break;
        case 100 /* d */:
          drug = drugAt(text, a + 1, fieldEnd, drugs);
          break;
        case 115 /* s */:
          stopDate = copyOf(text, a + 1, fieldEnd);
          break;
        case 105 /* i */:
          instance = numberAt(text, a + 1, fieldEnd);
          break;
      }
    }
    pos = end + 1;
    // kind: a an analgesic, n no visit of its own (end of study, adverse event), f any other form.
    tallies.add(slot, kind !== 110, pain, odi, kind === 97, mme, opioid, drug, stopDate, instance);
  }
}
