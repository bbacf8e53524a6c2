import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryError } from '../errors.js';
import { SACROPLASTY_SIF } from './default-protocol.js';
import { loadProtocol, loadProtocolFile } from './load-protocol.js';
import { visitInstruments } from './visits.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** Loads, or checks the refusal is PROTOCOL_INVALID with well-formed issues; anything else fails. */
function loadOrRefuse(load: () => unknown): void {
  let protocol: unknown;
  try {
    protocol = load();
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    const e = error as RegistryError;
    expect(e.code).toBe('PROTOCOL_INVALID');
    expect(e.message).not.toMatch(/\n/);
    for (const issue of e.issues) {
      expect(Array.isArray(issue.path)).toBe(true);
      expect(typeof issue.message).toBe('string');
      expect(issue.message).not.toMatch(/\n/);
    }
    return;
  }
  // A protocol that loads is usable: every visit answers which instruments it collects.
  const p = protocol as typeof SACROPLASTY_SIF;
  for (const v of p.visits) expect(Array.isArray(visitInstruments(p, v.code))).toBe(true);
}

const base = (): Record<string, unknown> => JSON.parse(JSON.stringify(SACROPLASTY_SIF));

// Values worth putting anywhere in a protocol: JSON of every shape, plus names JavaScript treats specially.
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'enrollment', 'adverse_event', 'week2', ''),
  fc.constantFrom(-1, 0, 1, 1e308, -0, 2 ** 31, Number.MAX_SAFE_INTEGER + 2),
  fc.constant({ toString: 1, valueOf: 1 }),
);

/** A path into the default protocol, and a value to put there (or undefined: delete). */
const mutation = fc.record({
  path: fc.array(
    fc.oneof(
      fc.constantFrom('id', 'version', 'title', 'rules', 'visits', 'anyVisit', 'plausibility'),
      fc.constantFrom('code', 'label', 'anchor', 'offset', 'window', 'instruments', 'days', 'minutes'),
      fc.constantFrom('before', 'after', 'maxMmeDay', 'maxStrength', 'mg', 'mmeTable', '__proto__'),
      fc.nat(9),
    ),
    { minLength: 1, maxLength: 5 },
  ),
  value: fc.option(anyValue, { nil: undefined }),
});

function mutate(target: Record<string, unknown>, m: { path: (string | number)[]; value: unknown }) {
  let node: unknown = target;
  for (const key of m.path.slice(0, -1)) {
    // Own properties only: walking into __proto__ would edit Object.prototype for the whole process.
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (typeof node !== 'object' || node === null) return;
  const last = m.path.at(-1)!;
  if (m.value === undefined) delete (node as Record<string | number, unknown>)[last];
  else {
    // A copy: generated values may be shared between runs, and a shared one must never be edited.
    const value = JSON.parse(JSON.stringify(m.value)) as unknown;
    Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
  }
}

describe('protocol file loader (property-based)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sifreg-protocol-fuzz-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test('any JSON value loads or is refused as PROTOCOL_INVALID, never a crash', () => {
    fc.assert(
      fc.property(anyValue, (value) => loadOrRefuse(() => loadProtocol(value))),
      { numRuns: RUNS },
    );
  });

  test('the default protocol with random edits loads or is refused with its problems', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (mutations) => {
        const p = base();
        for (const m of mutations) mutate(p, m);
        loadOrRefuse(() => loadProtocol(p));
        // The same through JSON text, as a file gives it.
        loadOrRefuse(() => loadProtocol(JSON.parse(JSON.stringify(p))));
      }),
      { numRuns: RUNS },
    );
  });

  test('a file of control characters is refused with them escaped, on one line', async () => {
    const file = path.join(dir, 'control.json');
    await writeFile(file, '\u0000\n\u001b[2J');
    await expect(loadProtocolFile(file)).rejects.toThrow(/is not valid JSON: .*\\x00\\n\\x1b\[2J/);
  });

  test('any file content loads or is refused as PROTOCOL_INVALID', async () => {
    const file = path.join(dir, 'protocol.json');
    const text = JSON.stringify(base());
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 200 }),
          // Damaged copies of a good file: cut short, or a byte changed.
          fc.nat(text.length).map((n) => text.slice(0, n)),
          fc
            .tuple(fc.nat(text.length - 1), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }))
            .map(([at, s]) => text.slice(0, at) + s + text.slice(at + 1)),
        ),
        async (content) => {
          await writeFile(file, content);
          let error: unknown;
          try {
            await loadProtocolFile(file);
          } catch (e) {
            error = e;
          }
          if (error !== undefined)
            loadOrRefuse(() => {
              throw error;
            });
        },
      ),
      { numRuns: RUNS },
    );
  });
});
