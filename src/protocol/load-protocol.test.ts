import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Issue, RegistryError } from '../errors.js';
import { SACROPLASTY_SIF } from './default-protocol.js';
import { loadProtocol, loadProtocolFile } from './load-protocol.js';

/** The issues a protocol is refused with, or fails the test when it loads. */
function issuesOf(input: unknown): Issue[] {
  try {
    loadProtocol(input);
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'PROTOCOL_INVALID') return error.issues;
    throw error;
  }
  throw new Error('protocol loaded, but it should have been refused');
}

const clone = (): Record<string, unknown> => JSON.parse(JSON.stringify(SACROPLASTY_SIF));

describe('loadProtocol', () => {
  test('loads the default protocol unchanged, from TypeScript and from JSON', () => {
    expect(loadProtocol(SACROPLASTY_SIF)).toEqual(SACROPLASTY_SIF);
    expect(loadProtocol(clone())).toEqual(SACROPLASTY_SIF);
  });

  test('reports every problem of a broken protocol with its exact path', () => {
    const p = clone();
    const visits = p.visits as Record<string, unknown>[];
    delete p.version;
    p.title = 42;
    visits[3]!.code = 'week4'; // duplicate of visit 4
    (visits[5]!.instruments as string[]).push('roland_morris');
    visits[6]!.window = { before: { days: -28 }, after: { days: 28 } };
    visits[2]!.offset = { minutes: '30' };
    (p.anyVisit as string[]).push('odi');
    const issues = issuesOf(p);
    expect(issues.map((i) => i.path)).toEqual([
      ['version'],
      ['title'],
      ['visits', 2, 'offset', 'minutes'],
      ['visits', 6, 'window', 'before', 'days'],
      ['visits', 4, 'code'],
      ['visits', 5, 'instruments', 6],
      ['anyVisit', 2],
    ]);
    expect(issues.map((i) => i.code)).toEqual([
      'invalid_type',
      'invalid_type',
      'invalid_type',
      'too_small',
      'duplicate',
      'unknown_instrument',
      'not_repeating',
    ]);
    expect(issues[3]?.message).toBe('window days must not be negative');
    expect(issues[4]?.message).toBe('visit code week4 is already used by visit 3');
    expect(issues[5]?.message).toMatch(/^instrument "roland_morris" does not exist \(known: enrollment, /);
  });

  test('throws PROTOCOL_INVALID with the message "protocol file is invalid"', () => {
    expect(() => loadProtocol({})).toThrow('protocol file is invalid');
    expect(issuesOf({})[0]).toEqual({ path: ['id'], code: 'invalid_type', message: 'id is required' });
  });

  test('reports each missing top-level field', () => {
    expect(issuesOf({}).map((i) => i.path)).toEqual([
      ['id'],
      ['version'],
      ['title'],
      ['rules'],
      ['visits'],
      ['anyVisit'],
    ]);
  });

  test.each([
    ['a version that is not semver', { version: '1.0' }, ['version']],
    [
      'an unknown MME table',
      { rules: { odiMaxMissingSections: 2, mmeTable: 'who-1986' } },
      ['rules', 'mmeTable'],
    ],
    [
      'more missing ODI sections than there are',
      { rules: { odiMaxMissingSections: 11, mmeTable: 'cdc-2022' } },
      ['rules', 'odiMaxMissingSections'],
    ],
    ['an unknown top-level field', { sites: [] }, ['sites']],
  ])('refuses %s', (_name, change, pathPrefix) => {
    const issues = issuesOf({ ...clone(), ...change });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual(pathPrefix);
  });

  test('the form that creates the subject (enrollment) must be at the first visit and nowhere else', () => {
    const p = clone();
    const visits = p.visits as { instruments: string[] }[];
    visits[0]!.instruments = ['eligibility'];
    visits[3]!.instruments.push('enrollment');
    expect(issuesOf(p).map((i) => [i.path, i.code])).toEqual([
      [['visits', 0, 'instruments'], 'enrollment_placement'],
      [['visits', 3, 'instruments', 4], 'enrollment_placement'],
    ]);
  });

  test('an instrument listed twice at one visit is refused', () => {
    const p = clone();
    (p.visits as { instruments: string[] }[])[3]!.instruments.push('pain');
    expect(issuesOf(p)).toEqual([
      {
        path: ['visits', 3, 'instruments', 4],
        code: 'duplicate',
        message: 'instrument pain is listed twice',
      },
    ]);
  });
});

describe('loadProtocolFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifreg-protocol-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads a valid protocol file', async () => {
    const file = path.join(dir, 'ok.json');
    await writeFile(file, JSON.stringify(SACROPLASTY_SIF, null, 2));
    await expect(loadProtocolFile(file)).resolves.toEqual(SACROPLASTY_SIF);
  });

  test('says where bad JSON breaks', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, '{\n  "id": "x",\n  "version": 1.0.0\n}');
    await expect(loadProtocolFile(file)).rejects.toThrow(/is not valid JSON: .*line 3/);
  });

  test('names a missing file', async () => {
    await expect(loadProtocolFile(path.join(dir, 'nope.json'))).rejects.toThrow(
      /cannot read protocol file .*nope\.json: no such file/,
    );
  });

  test('validates the content like loadProtocol', async () => {
    const file = path.join(dir, 'invalid.json');
    await writeFile(file, JSON.stringify({ ...SACROPLASTY_SIF, version: 'one' }));
    await expect(loadProtocolFile(file)).rejects.toMatchObject({
      code: 'PROTOCOL_INVALID',
      issues: [{ path: ['version'] }],
    });
  });
});
