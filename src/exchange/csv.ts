/** RFC 4180 CSV: quote a field only when it needs it, parse quoted fields with embedded commas, quotes and newlines. */

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** Formats one field; fields that start with a formula sign are kept verbatim (the registry never opens CSV in a spreadsheet itself). */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
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

/** Parses CSV text into records; throws with the line number on an unterminated quote. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = text.length;
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0; // tolerate a UTF-8 byte order mark
  i = start;
  let atRecordStart = true;
  while (i < n) {
    const ch = text[i];
    if (ch === '"' && field === '') {
      // quoted field
      i++;
      const quoteLine = line;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          closed = true;
          break;
        }
        if (c === '\n') line++;
        field += c;
        i++;
      }
      if (!closed) throw new Error(`line ${quoteLine}: a quoted field is never closed`);
      atRecordStart = false;
      continue;
    }
    if (ch === ',') {
      fields.push(field);
      field = '';
      atRecordStart = false;
      i++;
      continue;
    }
    if (ch === '\r' || ch === '\n') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      i++;
      if (!(atRecordStart && field === '' && fields.length === 0)) {
        fields.push(field);
        records.push({ line: recordLine, fields });
      }
      fields = [];
      field = '';
      line++;
      recordLine = line;
      atRecordStart = true;
      continue;
    }
    field += ch;
    atRecordStart = false;
    i++;
  }
  if (!atRecordStart || field !== '' || fields.length > 0) {
    fields.push(field);
    records.push({ line: recordLine, fields });
  }
  return records;
}
