import { describe, expect, test } from 'vitest';
import { isConnectionLost, REGISTRY_TYPES, redactSecrets, redactUrl } from './pg-connection.js';

describe('connection helpers', () => {
  test.each([
    ['postgres://sifreg:s3cret@127.0.0.1:5432/sifreg', 'postgres://sifreg:***@127.0.0.1:5432/sifreg'],
    ['postgresql://u@host/db?password=s3cret', 'postgresql://u@host/db?password=***'],
    ['postgres://host/db', 'postgres://host/db'],
    ['not a url', '(unparsable database URL)'],
  ])('redactUrl(%s)', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  test('redactSecrets masks URLs and password= inside messages', () => {
    expect(redactSecrets('cannot reach postgres://a:b%40c@h/d (password=xyz)')).toBe(
      'cannot reach postgres://a:***@h/d (password=***)',
    );
  });

  test.each([
    [20, '9007199254740991', 9007199254740991],
    [1700, '12.50', 12.5],
    [1082, '2026-02-29', '2026-02-29'],
    [1016, '{1,NULL,3}', [1, null, 3]],
    [1182, '{2026-01-01}', ['2026-01-01']],
  ])('type %i parses %s', (oid, text, expected) => {
    const parse = REGISTRY_TYPES.getTypeParser(oid as never, 'text') as (t: string) => unknown;
    expect(parse(text)).toEqual(expected);
  });

  test('refuses a bigint beyond 2^53 instead of rounding it', () => {
    const parse = REGISTRY_TYPES.getTypeParser(20 as never, 'text') as (t: string) => unknown;
    expect(() => parse('9007199254740993')).toThrow(RangeError);
  });

  const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  test.each([
    [pgError('57P01', 'terminating connection due to administrator command'), true],
    [pgError('57P03', 'the database system is starting up'), true],
    [pgError('08006'), true],
    [pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), true],
    [new Error('Connection terminated unexpectedly'), true],
    [pgError('23505', 'duplicate key value violates unique constraint'), false],
    [pgError('42P01', 'relation "x" does not exist'), false],
    ['a string', false],
  ])('isConnectionLost(%s) is %s', (error, expected) => {
    expect(isConnectionLost(error)).toBe(expected);
  });
});
