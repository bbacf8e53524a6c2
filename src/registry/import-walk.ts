// The walk over the staged rows that groups them into forms and subjects and validates each form.
import { sql, type Transaction } from 'kysely';
import { RegistryError } from '../errors.js';
import { VISIT_ITEMS } from '../exchange/tidy.js';
import {
  getInstrument,
  type InstrumentDef,
  parseItemTexts,
  validationContext,
} from '../instruments/index.js';
import { subjectInstrument, visitInstruments } from '../protocol/index.js';
import type { Database } from '../store/index.js';
import type { RegistryDeps } from './context.js';
import { type Form, itemIds, type SubjectGroup, VISIT_ORD, VISIT_RECORD } from './import-form.js';
import type { ImportOptions } from './import-options.js';
import { type Problems, reportIssues } from './import-problems.js';
import type { Writer } from './import-writer.js';
import { checkValidated } from './protocol-rules.js';
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
 * Groups rows that come in walk order (study id, visit, form, instance, item) into forms and
 * subjects: one subject's rows at a time in memory, each form validated and scored as it completes
 * and each subject handed to the writer. Fed by the staged rows (walkStaged) or, for a file already
 * in that order, straight from the reader (import-tidy.ts).
 */
export class FormWalk {
  private readonly visits: { code: string; instruments: InstrumentDef[] }[];
  private readonly context: ReturnType<typeof validationContext>;
  private readonly creating: ReturnType<typeof subjectInstrument>;
  private readonly today: string;
  private subject: SubjectGroup | null = null;
  private form: Form | null = null;
  private formVisit = -1;
  private formInstr = 0;
  private formInstance = 0;

  constructor(
    private readonly deps: RegistryDeps,
    private readonly problems: Problems,
    private readonly writer: Writer,
    now: Date,
  ) {
    this.visits = deps.protocol.visits.map((v) => ({
      code: v.code,
      instruments: visitInstruments(deps.protocol, v.code).map((id) => getInstrument(id)),
    }));
    this.context = validationContext(deps.protocol.rules, now);
    this.creating = subjectInstrument(deps.protocol);
    this.today = now.toISOString().slice(0, 10);
  }

  /** Takes the next row; returns a promise only when a finished batch of subjects is being written. */
  row(
    line: number,
    studyId: string,
    site: string,
    visitOrd: number,
    instrOrd: number,
    instance: number,
    itemOrd: number,
    value: string,
  ): Promise<void> | null {
    let pending: Promise<void> | null = null;
    let subject = this.subject;
    if (!subject || subject.studyId !== studyId) {
      this.endForm();
      if (subject) pending = this.writer.add(subject, this.creating);
      subject = { studyId, site, firstLine: line, forms: [] };
      this.subject = subject;
      this.formVisit = -1;
    } else if (site !== subject.site) {
      this.problems.add(
        line,
        'site',
        `${studyId} is at site ${subject.site} on line ${subject.firstLine}, not ${site}`,
      );
      return pending;
    }
    const visit = this.visits[visitOrd]!;
    const def =
      instrOrd === -1
        ? this.creating.def
        : instrOrd === VISIT_ORD
          ? VISIT_RECORD
          : visit.instruments[instrOrd]!;
    if (visitOrd !== this.formVisit || instrOrd !== this.formInstr || instance !== this.formInstance) {
      this.endForm();
      const n = def.items.length;
      this.form = {
        visit: visit.code,
        def,
        instance,
        firstLine: line,
        texts: new Array<string | undefined>(n).fill(undefined),
        lines: new Array<number>(n).fill(0),
      };
      this.formVisit = visitOrd;
      this.formInstr = instrOrd;
      this.formInstance = instance;
    }
    const f = this.form!;
    if (f.texts[itemOrd] !== undefined) {
      this.problems.add(
        line,
        'item',
        `${def.items[itemOrd]!.id} of ${def.id} at ${visit.code} for ${studyId} is already given on line ${f.lines[itemOrd]}`,
      );
      return pending;
    }
    f.texts[itemOrd] = value;
    f.lines[itemOrd] = line;
    if (line < f.firstLine) f.firstLine = line;
    return pending;
  }

  /** Ends the last form and subject. */
  async end(): Promise<void> {
    this.endForm();
    if (this.subject) await this.writer.add(this.subject, this.creating);
    this.subject = null;
  }

  private endForm(): void {
    const form = this.form;
    const subject = this.subject;
    if (!form || !subject) return;
    this.form = null;
    if (form.def === VISIT_RECORD) {
      const text = (id: (typeof VISIT_ITEMS)[number]) => form.texts[VISIT_ITEMS.indexOf(id)];
      const checked = checkVisitRecord(
        { date: text('date'), mode: text('mode'), missedReason: text('missed_reason') },
        this.today,
      );
      if (checked.ok) form.visitRecord = checked.record;
      else reportIssues(this.problems, form, checked.issues);
      subject.visits ??= [];
      subject.visits.push(form);
      return;
    }
    const parsed = parseItemTexts(form.def, itemIds(form.def), form.texts, this.context);
    if (!parsed.ok) {
      reportIssues(this.problems, form, parsed.issues);
    } else {
      try {
        const checked = checkValidated(this.deps.protocol, form.def, parsed, {
          studyId: subject.studyId,
          siteId: subject.site,
        });
        form.answers = checked.answers;
        form.columns = responseColumns(form.def, checked.answers, checked.scored, checked.missing);
      } catch (error) {
        if (!(error instanceof RegistryError)) throw error;
        reportIssues(
          this.problems,
          form,
          error.issues.length > 0 ? error.issues : [{ path: [], code: error.code, message: error.message }],
        );
      }
    }
    subject.forms.push(form);
  }
}

/**
 * Walks the staged rows with a server-side cursor in (study id, visit, form, instance, item) order
 * (sorted there unless they were staged in that order already).
 */
export async function walkStaged(
  trx: Transaction<Database>,
  total: number,
  walk: FormWalk,
  options: ImportOptions,
  sorted: boolean,
): Promise<void> {
  // Room for the sort in the server (not in this process), so 13 M rows sort in fewer passes.
  await sql`set local work_mem = '64MB'`.execute(trx);
  // Rows staged in walk order are read as COPY appended them (a temporary table read from its first
  // page); the walk checks that order row by row below, so a wrong assumption stops the import.
  await sql`declare import_walk no scroll cursor for
    select line, study_id, site, visit_ord, instr_ord, instance, item_ord, value from import_row
    ${sorted ? sql`` : sql`order by study_id collate "C", visit_ord, instr_ord, instance, item_ord, line`}`.execute(
    trx,
  );
  let done = 0;
  let lastLine = 0;
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
      const wait = walk.row(
        line,
        row.study_id,
        row.site,
        row.visit_ord,
        row.instr_ord,
        row.instance,
        row.item_ord,
        row.value,
      );
      if (wait) await wait;
    }
    done += rows.length;
    options.onProgress?.(done, total);
  }
  await walk.end();
  await sql`close import_walk`.execute(trx);
}
