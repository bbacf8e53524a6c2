import { describe, expect, test } from 'vitest';
import { CsvError, csvField, csvLine, escapeControls, neutraliseCell, parseCsv, restoreCell } from './csv.js';
import { readCsv } from './csv-read.js';

async function readAll(chunks: (string | Uint8Array)[], encoding?: 'utf8' | 'latin1') {
  const out = [];
  for await (const batch of readCsv(chunks, encoding ? { encoding } : {})) out.push(...batch);
  return out;
}

async function readError(chunks: (string | Uint8Array)[], encoding?: 'utf8' | 'latin1') {
  try {
    await readAll(chunks, encoding);
  } catch (error) {
    if (error instanceof CsvError) return error.message;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

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
    expect(() => parseCsv('a,b\n1,"open\n')).toThrow('line 2, field 2: a quoted field is never closed');
  });

  test.each([
    ['"Dr Who"extra', 'line 2, field 2: text "extra" after the closing quote'],
    ['"Dr Who" ', 'line 2, field 2: text " " after the closing quote'],
    ['Dr "Who"', 'line 2, field 2: a quote inside an unquoted field'],
  ])('refuses malformed quoting %s with line and field', (cell, message) => {
    expect(() => parseCsv(`a,b\n1,${cell}\n`)).toThrow(message);
  });

  test('reads the same records however the bytes are split', async () => {
    const text = '\ufeffa,b\r\n"x\r\ny","q""q"\r\nVCU-0001,café ☕\n\n"","last"';
    const whole = await readAll([text]);
    const bytes = Buffer.from(text, 'utf8');
    const oneByOne = await readAll([...bytes].map((b) => Uint8Array.of(b)));
    expect(oneByOne).toEqual(whole);
    expect(whole).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\r\ny', 'q"q'] },
      { line: 4, fields: ['VCU-0001', 'café ☕'] },
      { line: 6, fields: ['', 'last'] },
    ]);
  });

  test('refuses invalid UTF-8 with its line, and reads Latin-1 only when told', async () => {
    const latin1 = Buffer.concat([Buffer.from('a,b\nx,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(await readError([latin1])).toBe(
      'line 2: character 6 is not valid UTF-8 (byte 0xE9); save the file as UTF-8, or pass --encoding latin1 if it is Latin-1',
    );
    expect((await readAll([latin1], 'latin1'))[1]?.fields).toEqual(['x', 'café']);
  });

  test.each([
    [[0xff, 0xfe], 'little-endian'],
    [[0xfe, 0xff], 'big-endian'],
  ])('names a UTF-16 file (byte order mark %j)', async (bom, order) => {
    const text = Buffer.from('a,b\n', 'utf16le');
    expect(await readError([Buffer.concat([Buffer.from(bom), text])])).toBe(
      `line 1: the file is UTF-16 (${order}); save it as UTF-8 and import again`,
    );
  });

  test('escapes control characters for messages', () => {
    expect(escapeControls('a\u0007b\u001b[31mc\nd\u202e')).toBe('a\\u0007b\\u001b[31mc\\nd\\u202e');
  });
});

describe('formula cells (OWASP CSV injection)', () => {
  test.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+1+1', "'+1+1"],
    ['-Dr', "'-Dr"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tx', "'\tx"],
    ['\rx', "'\rx"],
    ["'quoted", "''quoted"],
    ['-', "'-"],
  ])('neutralises %j as %j', (value, cell) => {
    expect(neutraliseCell(value)).toBe(cell);
    expect(restoreCell(cell)).toBe(value);
  });

  test.each(['-2.5', '+3', '-0', '1e-3', '-.5', 'VCU-0001', 'plain', ''])(
    'leaves %j as it is (plain numbers and ordinary text)',
    (value) => {
      expect(neutraliseCell(value)).toBe(value);
      expect(restoreCell(value)).toBe(value);
    },
  );

  test('a written line reads back exactly', () => {
    const fields = ['=1+2', '-2.5', "'a", '@x', '\tz', "''=x", ' lead', 'a,b'];
    expect(csvField('=1+2')).toBe("'=1+2");
    expect(parseCsv(csvLine(fields))[0]?.fields).toEqual(fields);
  });
});
