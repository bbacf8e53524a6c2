import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { contentSha256, type ResponseRow } from './response-row.js';
import { requireScope, siteFilter } from './scope.js';

/*
 * Signatures as read back (Part 11 §11.50): on the review page (signaturesFor) and in the tidy
 * export's `_signature` item (signatureValues); each says whether it is still in force.
 */

/** A signature as shown on the page and in exports. */
export interface SignatureView {
  id: number;
  responseId: number;
  signedBy: string;
  /** The signer's full name from their account; the username when none is set. */
  signerName: string;
  role: string;
  meaning: string;
  /** UTC, ISO 8601. */
  signedAt: string;
  scope: 'form' | 'visit';
  version: number;
  contentSha256: string;
  /**
   * in force: not voided, and the form is still the signed version (its hash matches); void: voided
   * by an unlock (see `void`); broken: not voided, but the form no longer matches what was signed.
   */
  state: 'in force' | 'void' | 'broken';
  void: { at: string; by: string; reason: string } | null;
}

/**
 * Every signature of each response asked for that the actor may read, newest first (others are
 * left out as if they did not exist).
 */
export async function signaturesFor(
  deps: RegistryDeps,
  actor: Actor,
  responseIds: readonly number[],
): Promise<Map<number, SignatureView[]>> {
  const sites = siteFilter(requireScope(actor, 'data.read'));
  const out = new Map<number, SignatureView[]>();
  if (responseIds.length === 0) return out;
  let q = deps.db
    .selectFrom('response')
    .selectAll()
    .where('id', 'in', [...responseIds]);
  if (sites) q = q.where('site_id', 'in', sites);
  const responses = new Map((await q.execute()).map((r) => [r.id, r]));
  if (responses.size === 0) return out;
  const rows = await deps.db
    .selectFrom('signature')
    .leftJoin('app_user', 'app_user.username', 'signature.signed_by')
    .selectAll('signature')
    .select('app_user.full_name')
    .where('response_id', 'in', [...responses.keys()])
    .orderBy('signature.id', 'desc')
    .execute();
  for (const id of responses.keys()) out.set(id, []);
  for (const s of rows) {
    const response = responses.get(s.response_id)!;
    out.get(s.response_id)!.push({
      id: s.id,
      responseId: s.response_id,
      signedBy: s.signed_by,
      signerName: s.full_name ?? s.signed_by,
      role: s.signer_role,
      meaning: s.meaning,
      signedAt: s.signed_at.toISOString(),
      scope: s.scope,
      version: s.response_version,
      contentSha256: s.content_sha256,
      state: s.void_at ? 'void' : signatureState(response, s),
      void: s.void_at
        ? { at: s.void_at.toISOString(), by: s.void_by ?? '', reason: s.void_reason ?? '' }
        : null,
    });
  }
  return out;
}

/** A signature not voided is in force while the form is still the signed version, else broken. */
function signatureState(
  response: ResponseRow,
  s: { response_version: number; content_sha256: string },
): 'in force' | 'broken' {
  const intact =
    response.version === s.response_version &&
    contentSha256(response, s.response_version) === s.content_sha256;
  return intact ? 'in force' : 'broken';
}

/**
 * The `_signature` value of each signed form of these subjects, keyed by
 * `study_id visit instrument instance` (tab-separated), read in the caller's snapshot:
 * `name=…; username=…; signed_at=<UTC>; meaning=…; sha256=…; state=in force|broken`.
 */
export async function signatureValues(
  db: Kysely<Database> | Transaction<Database>,
  studyIds: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (studyIds.length === 0) return out;
  const rows = await db
    .selectFrom('signature as s')
    .innerJoin('response as r', 'r.id', 's.response_id')
    .leftJoin('app_user as u', 'u.username', 's.signed_by')
    .selectAll('r')
    .select([
      's.signed_by as sig_by',
      's.signed_at as sig_at',
      's.meaning as sig_meaning',
      's.content_sha256 as sig_sha',
      's.response_version as sig_version',
      'u.full_name as sig_name',
    ])
    .where('r.study_id', 'in', [...studyIds])
    .where('s.void_at', 'is', null)
    .execute();
  for (const row of rows) {
    const state = signatureState(row, { response_version: row.sig_version, content_sha256: row.sig_sha });
    out.set(
      [row.study_id, row.visit, row.instrument, row.instance].join('\t'),
      `name=${row.sig_name ?? row.sig_by}; username=${row.sig_by}; signed_at=${row.sig_at.toISOString()}; meaning=${row.sig_meaning}; sha256=${row.sig_sha}; state=${state}`,
    );
  }
  return out;
}
