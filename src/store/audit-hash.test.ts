import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { canonicalJson, GENESIS_HASH, hashAuditEvent, normaliseJson } from './audit-hash.js';

describe('canonical audit JSON', () => {
  test('sorts object keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  test.each([
    ['undefined as absent', undefined, null],
    ['-0 as 0', -0, 0],
    ['1.0 as 1', 1.0, 1],
    ['a Date as its ISO string', new Date(Date.UTC(2026, 0, 2)), '2026-01-02T00:00:00.000Z'],
    ['undefined members dropped', { a: undefined, b: 1 }, { b: 1 }],
    ['undefined array members as null', [undefined, 1], [null, 1]],
  ])('normalises %s, as jsonb gives it back', (_name, input, expected) => {
    expect(normaliseJson(input)).toEqual(expected);
    expect(Object.is(normaliseJson(input), -0)).toBe(false);
  });

  test('hash = sha256(prev_hash ‖ canonical event), hex', () => {
    const event = {
      at: '2026-03-02T09:00:00.000Z',
      actor: 'cora.vcu',
      action: 'site.add',
      site_id: 'VCU',
      entity: 'site',
      entity_id: 'VCU',
      before: null,
      after: { name: 'VCU' },
      reason: null,
    };
    const canonical =
      '{"action":"site.add","actor":"cora.vcu","after":{"name":"VCU"},"at":"2026-03-02T09:00:00.000Z",' +
      '"before":null,"entity":"site","entity_id":"VCU","reason":null,"site_id":"VCU"}';
    expect(hashAuditEvent(GENESIS_HASH, event)).toBe(
      createHash('sha256')
        .update(`${'0'.repeat(64)}${canonical}`)
        .digest('hex'),
    );
  });
});
