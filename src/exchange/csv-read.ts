// Reading a CSV byte stream in bounded memory: UTF-8 (or Latin-1 when told), parsed into records.
import { isUtf8 } from 'node:buffer';
import { type CsvEncoding, CsvError, CsvParser, type CsvRecord } from './csv.js';

export type CsvSource =
  | string
  | Uint8Array
  | Iterable<string | Uint8Array>
  | AsyncIterable<string | Uint8Array>;

export interface ReadCsvOptions {
  encoding?: CsvEncoding;
  /** Sees every byte as read (e.g. to hash the file). */
  onBytes?: (chunk: Uint8Array) => void;
}

const MAX_LINE_BYTES = 1 << 24;

async function* byteChunks(source: CsvSource): AsyncGenerator<Uint8Array> {
  if (typeof source === 'string') {
    yield Buffer.from(source, 'utf8');
    return;
  }
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<string | Uint8Array>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
  }
}

function countNewlines(buf: Uint8Array, end = buf.length): number {
  let count = 0;
  const b = Buffer.from(buf.buffer, buf.byteOffset, end);
  for (let k = b.indexOf(10); k !== -1; k = b.indexOf(10, k + 1)) count++;
  return count;
}

/** Offset of the first byte that does not continue a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const more =
      c < 0x80
        ? 0
        : c >= 0xc2 && c <= 0xdf
          ? 1
          : c >= 0xe0 && c <= 0xef
            ? 2
            : c >= 0xf0 && c <= 0xf4
              ? 3
              : -1;
    if (more < 0) return i;
    for (let k = 1; k <= more; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return -1;
}

/** Finds the first line of `piece` that is not UTF-8 and names it, with the character and byte. */
function notUtf8(piece: Buffer, firstLine: number): CsvError {
  let line = firstLine;
  let start = 0;
  for (;;) {
    const nl = piece.indexOf(10, start);
    const end = nl === -1 ? piece.length : nl;
    const bytes = piece.subarray(start, end);
    if (!isUtf8(bytes)) {
      const at = Math.max(0, firstInvalidUtf8(bytes));
      const column = bytes.subarray(0, at).toString('utf8').length + 1;
      const byte = (bytes[at] ?? 0).toString(16).toUpperCase().padStart(2, '0');
      return new CsvError(
        line,
        null,
        `character ${column} is not valid UTF-8 (byte 0x${byte}); save the file as UTF-8, or pass --encoding latin1 if it is Latin-1`,
      );
    }
    if (nl === -1) break;
    start = nl + 1;
    line++;
  }
  return new CsvError(
    firstLine,
    null,
    'the file is not valid UTF-8; save it as UTF-8, or pass --encoding latin1',
  );
}

/**
 * Reads CSV from bytes in bounded memory, yielding batches of records. A UTF-8 byte order mark is
 * skipped; UTF-16 and invalid UTF-8 are refused with the line (Latin-1 only with `encoding: 'latin1'`).
 */
export async function* readCsv(source: CsvSource, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord[]> {
  const encoding = options.encoding ?? 'utf8';
  const parser = new CsvParser();
  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  let line = 1;
  for await (const raw of byteChunks(source)) {
    options.onBytes?.(raw);
    let buf: Buffer =
      carry.length > 0 ? Buffer.concat([carry, raw]) : Buffer.from(raw.buffer, raw.byteOffset, raw.length);
    if (first) {
      if (buf.length < 3 && buf.length > 0 && (buf[0] === 0xef || buf[0] === 0xff || buf[0] === 0xfe)) {
        carry = buf;
        continue;
      }
      first = false;
      buf = stripBom(buf);
    }
    // Decode only whole lines: a newline byte never sits inside a multi-byte UTF-8 character.
    const lastNl = buf.lastIndexOf(10);
    if (lastNl === -1) {
      if (buf.length > MAX_LINE_BYTES) throw new CsvError(line, null, 'a line is longer than 16 MB');
      carry = buf;
      continue;
    }
    const piece = buf.subarray(0, lastNl + 1);
    carry = Buffer.from(buf.subarray(lastNl + 1));
    const records = parser.push(decode(piece, encoding, line));
    line += countNewlines(piece);
    if (records.length > 0) yield records;
  }
  if (first && carry.length > 0) carry = stripBom(carry);
  const tail = carry.length > 0 ? parser.push(decode(carry, encoding, line)) : [];
  const last = parser.end();
  if (tail.length + last.length > 0) yield [...tail, ...last];
}

function stripBom(buf: Buffer): Buffer {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return buf.subarray(3);
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
    const order = buf[0] === 0xff ? 'little-endian' : 'big-endian';
    throw new CsvError(1, null, `the file is UTF-16 (${order}); save it as UTF-8 and import again`);
  }
  return buf;
}

function decode(piece: Buffer, encoding: CsvEncoding, line: number): string {
  if (encoding === 'latin1') return piece.toString('latin1');
  if (!isUtf8(piece)) throw notUtf8(piece, line);
  return piece.toString('utf8');
}
