// The walk over the staged rows that groups them into forms and subjects and validates each form.
import { sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { getInstrument, parseAnswers, validationContext } from '../instruments/index.js';
import { subjectInstrument, visitInstruments } from '../protocol/index.js';
import type { Database } from '../store/index.js';
import type { RegistryDeps } from './context.js';
import { type Form, type SubjectGroup, VISIT_ORD, VISIT_RECORD } from './import-form.js';
import type { ImportOptions } from './import-options.js';
import { type Problems, reportIssues } from './import-problems.js';
import type { Writer } from './import-writer.js';
import { checkAnswers } from './protocol-rules.js';
import { responseColumns } from './response-columns.js';
import { checkVisitRecord } from './visits.js';

const FETCH = 5000;
/**
 * Fetches sent ahead of the rows being checked. One: the batch's own queries queue behind every
 * fetch sent, so more ahead made the import slower (1 M rows, measured with 3).
 */
const FETCH_AHEAD = 1;

interface StagedRow {
  line: string;
  study_id: string;
  site: string;
  visit_ord: number;
  instr_ord: number;
  instance: number;
  item_ord: number;
  value: string;
}

/**
 * Walks the staged rows with a server-side cursor in (study id, visit, form, instance, item) order:
 * one subject's rows at a time in memory, each form validated and scored as it completes.
 */
export async function walk(
  deps: RegistryDeps,
  trx: Transaction<Database>,
  total: number,
  problems: Problems,
  writer: Writer,
  options: ImportOptions,
  now: Date,
  sorted: boolean,
): Promise<void> {
  const visits = deps.protocol.visits.map((v) => ({
    code: v.code,
    instruments: visitInstruments(deps.protocol, v.code).map((id) => getInstrument(id)),
  }));
  const context = validationContext(deps.protocol.rules, now);
  const creating = subjectInstrument(deps.protocol);
  // Room for the sort in the server (not in this process), so 13 M rows sort in fewer passes.
  await sql`set local work_mem = '64MB'`.execute(trx);
  // The walk's sort and the batch statements are simple: compiling them (JIT) costs more than it saves.
  await sql`set local jit = off`.execute(trx);
  // Rows staged in walk order are read as COPY appended them (a temporary table read from its first
  // page); the walk checks that order row by row below, so a wrong assumption stops the import.
  await sql`declare import_walk no scroll cursor for
    select line, study_id, site, visit_ord, instr_ord, instance, item_ord, value from import_row
    ${sorted ? sql`` : sql`order by study_id collate "C", visit_ord, instr_ord, instance, item_ord, line`}`.execute(
    trx,
  );
  let subject: SubjectGroup | null = null;
  let form: Form | null = null;
  let formKey = '';
  let done = 0;
  let lastLine = 0;

  const endForm = () => {
    if (!form || !subject) return;
    if (form.def === VISIT_RECORD) {
      const raw = form.raw;
      const checked = checkVisitRecord(
        { date: raw.date, mode: raw.mode, missedReason: raw.missed_reason },
        now.toISOString().slice(0, 10),
      );
      if (checked.ok) form.visitRecord = checked.record;
      else reportIssues(problems, form, checked.issues);
      subject.visits ??= [];
      subject.visits.push(form);
      form = null;
      return;
    }
    const parsed = parseAnswers(form.def, form.raw, context);
    if (!parsed.ok) {
      reportIssues(problems, form, parsed.issues);
    } else {
      try {
        const checked = checkAnswers(
          deps.protocol,
          form.def,
          parsed.answers,
          false,
          { studyId: subject.studyId, siteId: subject.site },
          now,
          parsed.missing,
        );
        form.answers = checked.answers;
        form.columns = responseColumns(form.def, checked.answers, checked.scored, checked.missing);
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        reportIssues(
          problems,
          form,
          error.issues.length > 0 ? error.issues : [{ path: [], code: error.code, message: error.message }],
        );
      }
    }
    subject.forms.push(form);
    form = null;
  };

  const fetchNext = () => {
    const next = sql<StagedRow>`fetch forward ${sql.lit(FETCH)} from import_walk`.execute(trx);
    next.catch(() => {}); // awaited below; never an unhandled rejection if the walk stops first
    return next;
  };
  // Fetches queue on the connection with the writes: the server reads the next rows while these
  // are checked.
  const pending = Array.from({ length: FETCH_AHEAD }, fetchNext);
  for (;;) {
    const { rows } = await pending.shift()!;
    if (rows.length === 0) break;
    pending.push(fetchNext());
    for (const row of rows) {
      const line = Number(row.line);
      if (sorted) {
        // Unsorted, the rows of one form or subject could be split: never walk them so.
        if (line <= lastLine) throw new RegistryError('INTERNAL', 'the staged rows were read out of order');
        lastLine = line;
      }
      if (!subject || subject.studyId !== row.study_id) {
        endForm();
        if (subject) await writer.add(subject, creating);
        subject = { studyId: row.study_id, site: row.site, firstLine: line, forms: [] };
        formKey = '';
      } else if (row.site !== subject.site) {
        problems.add(
          line,
          'site',
          `${row.study_id} is at site ${subject.site} on line ${subject.firstLine}, not ${row.site}`,
        );
        continue;
      }
      const key = `${row.visit_ord}\u0000${row.instr_ord}\u0000${row.instance}`;
      const visit = visits[row.visit_ord]!;
      const def =
        row.instr_ord === -1
          ? creating.def
          : row.instr_ord === VISIT_ORD
            ? VISIT_RECORD
            : visit.instruments[row.instr_ord]!;
      const item = def.items[row.item_ord]!.id;
      if (key !== formKey) {
        endForm();
        form = { visit: visit.code, def, instance: row.instance, firstLine: line, raw: {}, lines: {} };
        formKey = key;
      }
      const f = form!;
      if (item in f.raw) {
        problems.add(
          line,
          'item',
          `${item} of ${def.id} at ${visit.code} for ${row.study_id} is already given on line ${f.lines[item]}`,
        );
        continue;
      }
      f.raw[item] = row.value;
      f.lines[item] = line;
      if (line < f.firstLine) f.firstLine = line;
    }
    done += rows.length;
    options.onProgress?.(done, total);
  }
  endForm();
  if (subject) await writer.add(subject, creating);
  await sql`close import_walk`.execute(trx);
}
