import { describe, expect, test } from 'vitest';
import { csvLine, parseCsv } from './csv.js';

describe('CSV', () => {
  test('quotes only fields that need it', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'x\ny', ''])).toBe('a,"b,c","say ""hi""","x\ny",\n');
  });

  test('parses what it writes, including newlines inside quotes', () => {
    const rows = [
      ['study_id', 'value'],
      ['VCU-0001', 'line one\nline two'],
      ['VCU-0002', 'a "quoted", word'],
      ['VCU-0003', ''],
    ];
    const text = rows.map(csvLine).join('');
    const parsed = parseCsv(text);
    expect(parsed.map((r) => r.fields)).toEqual(rows);
    expect(parsed.map((r) => r.line)).toEqual([1, 2, 4, 5]);
  });

  test('accepts CRLF line ends, a byte order mark and no final newline', () => {
    expect(parseCsv('\ufeffa,b\r\n1,2').map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  test('names the line of an unterminated quote', () => {
    expect(() => parseCsv('a,b\n1,"open\n')).toThrow('line 2: a quoted field is never closed');
  });
});
