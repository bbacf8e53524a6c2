// What a checked batch of the import writes: one statement (new subjects, visits, audit lines) and
// the COPY text of its forms.
import { type RawBuilder, sql } from 'kysely';
import type { Actor, RegistryDeps } from './context.js';
import { copyText } from './copy-in.js';
import type { CheckedBatch } from './import-check.js';
import { drawDateShift } from './subjects.js';

/** The forms' COPY; its rows are built by formsCopyText. */
export const RESPONSE_COPY = `copy "response" (site_id, study_id, visit, instrument, instance, instrument_version, answers, scores,
  pain_nrs, odi_pct, mme_day, opioid_any, collected_on, missing,
  protocol_version, status, version, entered_by, entered_by_kind, created_at, updated_at) from stdin`;

/** The last cells of every imported form's COPY row, the same for the whole import. */
export function fixedFormCells(protocolVersion: string, actor: Actor, now: Date): string {
  const at = now.toISOString();
  return [protocolVersion, 'complete', '1', actor.username, 'staff', at, at].map(copyText).join('\t');
}

/** The batch's new subjects, visits and audit lines: one statement. */
export function batchRows(
  c: CheckedBatch,
  deps: Pick<RegistryDeps, 'protocol' | 'random'>,
  actor: Actor,
  now: Date,
): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [];
  const p = deps.protocol;
  if (c.subjects.length > 0) {
    const col = <T>(f: (s: (typeof c.subjects)[number]) => T) => c.subjects.map(f);
    const shifts = c.subjects.map(() => drawDateShift(deps.random));
    parts.push(sql`new_subject as (insert into subject (study_id, site_id, seq, status, enrolled_on, index_date,
          date_shift_days, protocol_id, protocol_version, created_at, updated_at)
        select s.*, ${p.id}, ${p.version}, ${now}::timestamptz, ${now}::timestamptz
        from unnest(${col((s) => s.studyId)}::text[], ${col((s) => s.site)}::text[], ${col((s) => s.seq)}::int[],
          ${col((s) => s.state.status)}::text[], ${col((s) => s.state.enrolled_on)}::date[],
          ${col((s) => s.state.index_date)}::date[], ${shifts}::int[]) s)`);
  }
  if (c.visits.length > 0) {
    const col = <T>(f: (r: (typeof c.visits)[number]) => T) => c.visits.map(f);
    parts.push(sql`new_visit as (insert into visit (site_id, study_id, visit, visit_date, mode, missed_reason,
          entered_by, created_at, updated_at)
        select v.*, ${actor.username}, ${now}::timestamptz, ${now}::timestamptz
        from unnest(${col((r) => r.subject.site)}::text[], ${col((r) => r.subject.studyId)}::text[],
          ${col((r) => r.form.visit)}::text[], ${col((r) => r.form.visitRecord!.date)}::date[],
          ${col((r) => r.form.visitRecord!.mode)}::text[], ${col((r) => r.form.visitRecord!.missedReason)}::text[]) v)`);
  }
  const a = c.audit;
  parts.push(sql`audit_line as (insert into import_audit (study_id, site, existing, responses, status)
      select * from unnest(${a.map((x) => x.studyId)}::text[], ${a.map((x) => x.site)}::text[],
        ${a.map((x) => x.existing)}::boolean[], ${a.map((x) => x.responses)}::int[], ${a.map((x) => x.status)}::text[]))`);
  return sql`with ${sql.join(parts)} select 1`;
}

/** The batch's forms as COPY text, built at once so the forms themselves can be let go. */
export function formsCopyText(c: CheckedBatch, fixedCells: string): string {
  // Each row's cells joined at once (one string per row, no string per concatenation).
  const lines: string[] = [];
  const row = new Array<string>(15);
  row[14] = fixedCells;
  for (const { subject, form } of c.responses) {
    const k = form.columns!;
    const opioid = k.opioid_any === null || k.opioid_any === undefined ? null : k.opioid_any ? 't' : 'f';
    row[0] = copyText(subject.site);
    row[1] = copyText(subject.studyId);
    row[2] = copyText(form.visit);
    row[3] = copyText(form.def.id);
    row[4] = String(form.instance);
    row[5] = copyText(form.def.version);
    row[6] = copyText(k.answers);
    row[7] = copyText(k.scores);
    row[8] = copyText(k.pain_nrs ?? null);
    row[9] = copyText(k.odi_pct ?? null);
    row[10] = copyText(k.mme_day ?? null);
    row[11] = copyText(opioid);
    row[12] = copyText(k.collected_on ?? null);
    row[13] = copyText(k.missing);
    lines.push(row.join('\t'));
  }
  lines.push('');
  return lines.join('\n');
}
