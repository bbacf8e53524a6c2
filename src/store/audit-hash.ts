import { createHash } from 'node:crypto';
import type { JsonValue } from './schema.js';

/** prev_hash of the first event of the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit event that the hash covers, as stored. */
export interface CanonicalAuditEvent {
  /** ISO 8601 with milliseconds, UTC: `Date.prototype.toISOString()`. */
  at: string;
  actor: string;
  action: string;
  site_id: string | null;
  entity: string;
  entity_id: string;
  before: JsonValue | null;
  after: JsonValue | null;
  reason: string | null;
  /**
   * Digest of the rows the event's transaction changed (audit_row); absent when it changed none,
   * so events from before the row-level audit hash as they always did.
   */
  rows_digest?: string;
}

/**
 * A value as jsonb will give it back: JSON.parse(JSON.stringify(x)) drops undefined and functions,
 * turns Dates into strings, -0 into 0, and 1.0 is 1 anyway. Absent (undefined) is null.
 */
export function normaliseJson(value: unknown): JsonValue | null {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/** JSON with object keys sorted at every depth (UTF-16 code unit order), no whitespace. */
export function canonicalJson(value: JsonValue | null): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k] as JsonValue)}`).join(',')}}`;
}

/** hash = sha256(prev_hash ‖ canonical event), hex. */
export function hashAuditEvent(prevHash: string, event: CanonicalAuditEvent): string {
  const { rows_digest, ...rest } = event;
  const fields = rows_digest == null ? rest : { ...rest, rows_digest };
  const canonical = canonicalJson(fields as unknown as JsonValue);
  return createHash('sha256').update(prevHash).update(canonical).digest('hex');
}
