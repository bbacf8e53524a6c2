/**
 * RFC 4180 CSV, strict: write with quotes only where needed and formula cells neutralised; parse
 * text into records, refusing what it cannot read exactly (a byte stream: csv-read.ts).
 */

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
/** OWASP CSV injection: a spreadsheet runs a cell that starts with one of these as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * True when a cell is written with a leading `'`: it starts with a formula sign and is not a plain
 * number (so a T-score of -2.5 stays -2.5), or it starts with `'` itself (so the quote that
 * neutralises stays reversible).
 */
function needsNeutralising(value: string): boolean {
  const c = value.charCodeAt(0);
  if (c === 39) return true; // '
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value);
}

/** The cell as written: a leading `'` before a formula sign (OWASP), reversed by {@link restoreCell}. */
export function neutraliseCell(value: string): string {
  return needsNeutralising(value) ? `'${value}` : value;
}

/** Reverses {@link neutraliseCell} exactly: drops the leading `'` only where the writer added one. */
export function restoreCell(cell: string): string {
  return cell.charCodeAt(0) === 39 && needsNeutralising(cell.slice(1)) ? cell.slice(1) : cell;
}

/** Formats one field: formula cells neutralised, quoted only when it needs it. */
export function csvField(value: string): string {
  const cell = neutraliseCell(value);
  return NEEDS_QUOTES.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** Formats one record as a line ending in `\n`. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

export interface CsvRecord {
  /** 1-based line number where the record starts (the header is line 1). */
  line: number;
  fields: string[];
}

/** A file that is not CSV the registry can read exactly: where, and why. */
export class CsvError extends Error {
  constructor(
    /** 1-based physical line. */
    readonly line: number,
    /** 1-based field number, when the problem is inside one field. */
    readonly field: number | null,
    readonly reason: string,
  ) {
    super(`line ${line}${field !== null ? `, field ${field}` : ''}: ${reason}`);
  }
}

export type CsvEncoding = 'utf8' | 'latin1';
export const CSV_ENCODINGS: readonly CsvEncoding[] = ['utf8', 'latin1'];

/** Characters shown as escapes in messages: C0/C1 controls, DEL, line/paragraph separators, bidi controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text for a message: control characters escaped (`\u0007`), never echoed raw to a terminal. */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** A cell quoted for a message, control characters escaped and long text cut. */
export function showCell(text: string, max = 60): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return `"${escapeControls(cut)}"`;
}

/**
 * Incremental CSV parser: `push` decoded text, get the complete records; `end` flushes the last.
 * Every field is passed through {@link restoreCell}. Blank lines are skipped.
 */
export class CsvParser {
  private line = 1;
  // State of a record that continues into the next chunk (only records with quoted fields do).
  private fields: string[] = [];
  private field = '';
  private recordLine = 1;
  private inQuotes = false;
  private afterQuote = false;
  private quoteLine = 1;
  private pending = false;
  private carry = '';

  /** Parses `text`; records that end in a later chunk are kept until then. */
  push(text: string): CsvRecord[] {
    return this.run(text, false);
  }

  /** Ends the input: the last record (without a final newline) or an unclosed quote. */
  end(): CsvRecord[] {
    const out = this.run('', true);
    if (this.inQuotes) {
      throw new CsvError(this.quoteLine, this.fields.length + 1, 'a quoted field is never closed');
    }
    if (this.pending) this.finishRecord(out);
    return out;
  }

  private run(text: string, final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const s = this.carry + text;
    this.carry = '';
    const n = s.length;
    let i = 0;
    while (i < n) {
      if (!this.pending) {
        // Fast path: a whole line without quotes or carriage returns splits on commas.
        let nl = s.indexOf('\n', i);
        if (nl === -1) {
          if (!final) {
            this.carry = s.slice(i);
            return out;
          }
          nl = n;
        }
        let end = nl;
        if (end > i && s.charCodeAt(end - 1) === 13) end--;
        const segment = s.slice(i, end);
        if (!segment.includes('"') && !segment.includes('\r')) {
          if (segment.length > 0) {
            const fields = segment.split(',');
            for (let f = 0; f < fields.length; f++) {
              if (fields[f]!.charCodeAt(0) === 39) fields[f] = restoreCell(fields[f]!);
            }
            out.push({ line: this.line, fields });
          }
          this.line++;
          i = nl + 1;
          continue;
        }
        this.pending = true;
        this.recordLine = this.line;
        this.fields = [];
        this.field = '';
      }
      i = this.slow(s, i, out, final);
      if (i < 0) return out;
    }
    return out;
  }

  private finishRecord(out: CsvRecord[]): void {
    this.fields.push(this.field);
    const blank = this.fields.length === 1 && this.fields[0] === '' && !this.afterQuote;
    if (!blank) {
      out.push({ line: this.recordLine, fields: this.fields.map(restoreCell) });
    }
    this.fields = [];
    this.field = '';
    this.pending = false;
    this.afterQuote = false;
  }

  /**
   * Character by character from `i` until the record ends (returns the index after it) or the text
   * runs out (returns -1, state kept for the next chunk; at the final chunk, `final` ends it).
   */
  private slow(s: string, start: number, out: CsvRecord[], final: boolean): number {
    const n = s.length;
    let i = start;
    let field = this.field;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (this.inQuotes) {
        const q = s.indexOf('"', i);
        const upto = q === -1 ? n : q;
        const chunk = s.slice(i, upto);
        for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) this.line++;
        field += chunk;
        if (q === -1) {
          i = n;
          break;
        }
        if (q + 1 >= n && !final) {
          // The quote may be the first of a doubled pair: decide with the next chunk.
          this.field = field;
          this.carry = '"';
          return -1;
        }
        if (s.charCodeAt(q + 1) === 34) {
          field += '"';
          i = q + 2;
          continue;
        }
        this.inQuotes = false;
        this.afterQuote = true;
        i = q + 1;
        continue;
      }
      if (c === 44) {
        this.fields.push(field);
        field = '';
        this.afterQuote = false;
        i++;
        continue;
      }
      if (c === 10 || c === 13) {
        if (c === 13) {
          if (i + 1 >= n && !final) {
            // \r at a chunk's end: the \n of a CRLF may follow in the next chunk.
            this.field = field;
            this.carry = '\r';
            return -1;
          }
          if (s.charCodeAt(i + 1) === 10) i++;
        }
        this.field = field;
        this.finishRecord(out);
        this.line++;
        return i + 1;
      }
      if (this.afterQuote) {
        throw new CsvError(
          this.line,
          this.fields.length + 1,
          `text ${showCell(/^[^,\r\n]*/.exec(s.slice(i, i + 40))?.[0] ?? '')} after the closing quote; quote the whole field and double any quote inside it`,
        );
      }
      if (c === 34) {
        if (field !== '') {
          throw new CsvError(
            this.line,
            this.fields.length + 1,
            'a quote inside an unquoted field; quote the whole field and double any quote inside it',
          );
        }
        this.inQuotes = true;
        this.quoteLine = this.line;
        i++;
        continue;
      }
      field += s[i];
      i++;
    }
    this.field = field;
    return -1;
  }
}

/** Parses CSV text into records; throws {@link CsvError} with the line of anything malformed. */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return [...parser.push(body), ...parser.end()];
}
