import { sql } from 'kysely';
import {
  SIGNATURE_ITEM,
  TIDY_HEADER_LINE,
  type TidyRow,
  tidyLine,
  tidyRows,
  visitTidyRows,
} from '../exchange/tidy.js';
import { type Answers, getInstrument, type InstrumentDef, storedMissing } from '../instruments/index.js';
import { appendAudit } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { deidentifiedRow } from './export-deidentified.js';
import { requireScope, siteFilter } from './scope.js';
import { signatureValues } from './signature-views.js';

export interface ExportSummary {
  subjects: number;
  rows: number;
}

export interface ExportOptions {
  /**
   * The de-identified export (permission data.export_deidentified): dates shifted by each subject's
   * date_shift_days, free text and signature rows left out (registry/export-deidentified.ts).
   */
  deidentify?: boolean;
}

const SUBJECT_BATCH = 500;

/**
 * Streams the tidy CSV of every subject the actor may see: ordered by study id, visit (protocol
 * order), instrument, instance and item, so the same data always gives the same file. Identifiers
 * never leave in it. The export itself is an audit event.
 */
export async function exportTidy(
  deps: RegistryDeps,
  actor: Actor,
  write: (chunk: string) => void | Promise<void>,
  onProgress?: (done: number, total: number) => void,
  options: ExportOptions = {},
): Promise<ExportSummary> {
  const deidentify = options.deidentify === true;
  // Pseudonymised subject-level data: the actor's scope for it decides the sites; none is refused.
  const sites = siteFilter(requireScope(actor, deidentify ? 'data.export_deidentified' : 'data.read'));
  const kind = deidentify ? 'deidentified' : 'tidy';
  const visitCodes = deps.protocol.visits.map((v) => v.code);
  const record = (after: Record<string, unknown>) =>
    deps.db.transaction().execute((trx) =>
      appendAudit(trx, {
        at: deps.clock(),
        actor: actor.username,
        action: `export.${kind}`,
        siteId: sites?.length === 1 ? sites[0]! : null,
        entity: 'export',
        entityId: kind,
        after: { ...after, scope: sites ?? 'all sites' },
      }),
    );
  // What has been handed to the writer so far: a file cut off midway (a reader gone) is an export too.
  const handed = { started: false, subjects: 0, rows: 0 };
  const send = async (chunk: string) => {
    handed.started = true;
    await write(chunk);
  };
  // One snapshot for the whole file, so a form saved meanwhile cannot half-appear.
  const { subjects, rows } = await deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (snap) => {
      let countQuery = snap.selectFrom('subject').select((eb) => eb.fn.countAll<number>().as('n'));
      if (sites) countQuery = countQuery.where('site_id', 'in', sites);
      const total = Number((await countQuery.executeTakeFirstOrThrow()).n);
      await send(TIDY_HEADER_LINE);
      let after = '';
      let subjects = 0;
      let rows = 0;
      for (;;) {
        let q = snap
          .selectFrom('subject')
          .select('study_id')
          .where('study_id', '>', after)
          .orderBy('study_id')
          .limit(SUBJECT_BATCH);
        if (sites) q = q.where('site_id', 'in', sites);
        const batch = await q.select('date_shift_days').execute();
        const ids = batch.map((s) => s.study_id);
        const shifts = new Map(batch.map((s) => [s.study_id, s.date_shift_days]));
        // The de-identified export passes each row through its rule; a row it withholds is not written.
        const keep = (lines: TidyRow[], def: InstrumentDef | null): TidyRow[] =>
          deidentify
            ? lines.flatMap((row) => deidentifiedRow(row, def, shifts.get(row.study_id)!) ?? [])
            : lines;
        if (ids.length === 0) break;
        const responses = await snap
          .selectFrom('response')
          .select(['study_id', 'site_id', 'visit', 'instrument', 'instance', 'answers', 'missing'])
          .where('study_id', 'in', ids)
          .where('status', '!=', 'draft')
          .orderBy('study_id')
          .orderBy(sql`array_position(${sql.val(visitCodes)}::text[], visit)`)
          .orderBy('instrument')
          .orderBy('instance')
          .execute();
        const visits = await snap
          .selectFrom('visit')
          .select([
            'study_id',
            'site_id',
            'visit',
            sql<string | null>`visit_date::text`.as('date'),
            'mode',
            'missed_reason',
          ])
          .where('study_id', 'in', ids)
          .orderBy('study_id')
          .orderBy(sql`array_position(${sql.val(visitCodes)}::text[], visit)`)
          .execute();
        // A signed form's signature follows its items as the pseudo-item `_signature`.
        const signatures = await signatureValues(snap, ids);
        let chunk = '';
        // Each visit's record follows the visit's forms (a missed visit may have none): merged by
        // study id and protocol visit order, so the file order stays fixed.
        const order = new Map(visitCodes.map((c, i) => [c, i]));
        const before = (v: (typeof visits)[number], r: (typeof responses)[number]) =>
          v.study_id < r.study_id || (v.study_id === r.study_id && order.get(v.visit)! < order.get(r.visit)!);
        let next = 0;
        const flushVisits = (upTo: (typeof responses)[number] | null) => {
          while (next < visits.length && (upTo === null || before(visits[next]!, upTo))) {
            const v = visits[next++]!;
            const lines = keep(
              visitTidyRows({
                studyId: v.study_id,
                site: v.site_id,
                visit: v.visit,
                date: v.date,
                mode: v.mode,
                missedReason: v.missed_reason,
              }),
              null,
            );
            for (const row of lines) chunk += tidyLine(row);
            rows += lines.length;
          }
        };
        for (const r of responses) {
          flushVisits(r);
          const def = getInstrument(r.instrument);
          const lines = keep(
            tidyRows({
              studyId: r.study_id,
              site: r.site_id,
              visit: r.visit,
              instance: r.instance,
              def,
              answers: r.answers as Answers,
              missing: storedMissing(r.missing),
            }),
            def,
          );
          const signature = signatures.get([r.study_id, r.visit, r.instrument, r.instance].join('\t'));
          // The signature row names the signer: the de-identified export leaves it out.
          if (signature !== undefined && !deidentify) {
            lines.push({
              study_id: r.study_id,
              site: r.site_id,
              visit: r.visit,
              instrument: r.instrument,
              instance: r.instance,
              item: SIGNATURE_ITEM,
              value: signature,
            });
          }
          for (const row of lines) chunk += tidyLine(row);
          rows += lines.length;
        }
        flushVisits(null);
        handed.subjects = subjects + ids.length;
        handed.rows = rows;
        await send(chunk);
        subjects += ids.length;
        after = ids[ids.length - 1]!;
        onProgress?.(subjects, total);
      }
      return { subjects, rows };
    })
    .catch(async (error: unknown) => {
      // Counts are of rows handed over, at most what the reader got; a lost database records nothing.
      if (handed.started) {
        await record({ subjects: handed.subjects, rows: handed.rows, complete: false }).catch(() => {});
      }
      throw error;
    });
  await record({ subjects, rows });
  return { subjects, rows };
}
