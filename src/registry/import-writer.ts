// The import's batched writes (subjects, visits, forms), checked against the registry, and its audit events.
import { type CompiledQuery, type RawBuilder, sql, type Transaction } from 'kysely';
import type { InstrumentDef } from '../instruments/index.js';
import {
  type AuditInput,
  appendAuditStream,
  type Database,
  type PipelineStep,
  type StepRows,
  sendPipelined,
} from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { checkBatch, type PendingSubject, type Stored, storedAnswers } from './import-check.js';
import type { SubjectGroup } from './import-form.js';
import type { Problems } from './import-problems.js';
import { batchRows, fixedFormCells, formsCopyText, RESPONSE_COPY } from './import-rows.js';
import { type SubjectRow, stateOf } from './subject-state.js';

/** A subject's rows came in two runs: the file must be staged and walked in study order. */
export class SubjectRepeated extends Error {}

/**
 * Forms per batch; a batch always ends at a subject boundary. Up to four batches are in memory at
 * once (one read, one waiting for its look-up, two being written), and the collector lets the heap
 * grow to a few times that.
 */
const WRITE_BATCH = 2500;

/** Subjects' audit events read back from import_audit at a time. */
const AUDIT_CHUNK = 5000;

/** A query that compiles on the import's transaction (a raw one or a builder's). */
interface Compilable {
  compile(on: Transaction<Database>): CompiledQuery;
}

/** A batch whose look-up has been sent; it is checked and written at the next flush. */
interface Sent {
  batch: PendingSubject[];
  found: Promise<{ seen: boolean; stored: Stored } | undefined>;
}

/**
 * Writes subjects and their forms in batches that end at subject boundaries. The server is never
 * awaited between two statements of a batch, nor between batches: at each flush the batch read
 * before is checked here (subject exists, at which site, forms already recorded, date order) against
 * its look-up, and one message goes to the server (sendPipelined) with the new batch's look-up (lock
 * the site sequences, read the batch's subjects already registered: one statement) followed by the
 * checked batch's writes (subjects, visits, audit lines: one statement; forms: one COPY with its
 * data). The server runs them back to back while the next batch is read, so it waits for this
 * process only once per batch, and this process waits only when the server is a whole batch behind.
 * Writing stops at the first problem; checking goes on. The first error the server gives is the one
 * reported.
 */
export class Writer {
  newSubjects = 0;
  responses = 0;
  private batch: PendingSubject[] = [];
  private batchForms = 0;
  private sent: Sent | null = null;
  private knownSites = new Set<string>();
  private createdSites = new Set<string>();
  private topSeq = new Map<string, number>();
  private auditRows = 0;
  private inflight: Promise<unknown> = Promise.resolve();
  private failure: unknown;
  private readonly today: string;
  private readonly fixedCopy: string;
  private once = false;

  constructor(
    private readonly deps: RegistryDeps,
    private readonly actor: Actor,
    private readonly trx: Transaction<Database>,
    private readonly now: Date,
    private readonly problems: Problems,
  ) {
    this.today = now.toISOString().slice(0, 10);
    this.fixedCopy = fixedFormCells(deps.protocol.version, actor, now);
  }

  /**
   * @param once - when the subjects do not come sorted: whether to check that each comes only once
   *   (in one run of rows), throwing {@link SubjectRepeated} otherwise.
   */
  async init(once = false): Promise<void> {
    for (const s of await this.trx.selectFrom('site').select('id').execute()) this.knownSites.add(s.id);
    await sql`create temp table import_audit (
      n bigint generated always as identity primary key, study_id text not null, site text not null,
      existing boolean not null, responses int not null, status text
    ) on commit drop`.execute(this.trx);
    if (once) {
      // The subjects written so far, in the server: memory here stays flat at any number of subjects.
      await sql`create temp table import_seen (study_id text primary key) on commit drop`.execute(this.trx);
      this.once = true;
    }
  }

  sitesCreated(): string[] {
    return [...this.createdSites].sort();
  }

  async add(subject: SubjectGroup, creating: { visit: string; def: InstrumentDef }): Promise<void> {
    let creatingLine: number | null = null;
    for (const f of subject.forms) {
      if (f.def === creating.def && f.visit === creating.visit && f.instance === 1) {
        creatingLine = f.firstLine;
        break;
      }
    }
    const pending = subject as PendingSubject;
    pending.creatingLine = creatingLine;
    this.batch.push(pending);
    this.batchForms += subject.forms.length;
    if (this.batchForms >= WRITE_BATCH) await this.flush();
  }

  async finish(sha256: string, rows: number): Promise<void> {
    await this.flushAll();
    if (this.problems.count > 0) return;
    // Keep each site's study id sequence past the highest imported number.
    for (const [site, top] of this.topSeq) {
      await this.trx
        .updateTable('site_sequence')
        .set((eb) => ({ last_seq: eb.fn('greatest', [eb.ref('last_seq'), eb.val(top)]) }))
        .where('site_id', '=', site)
        .execute();
    }
    // Audit last, so the chain's lock is held only from here to COMMIT: one event per subject, in
    // the order they were written, then the import's own event.
    const importEvent: AuditInput = {
      at: this.now,
      actor: this.actor.username,
      action: 'import.tidy',
      siteId: null,
      entity: 'import',
      entityId: sha256.slice(0, 16),
      after: { rows, responses: this.responses, subjects: this.newSubjects, file_sha256: sha256 },
    };
    await appendAuditStream(this.trx, {
      count: this.auditRows + 1,
      read: (after) => {
        const q = sql`select study_id, site, existing, responses, status from import_audit
          where n > ${after} order by n limit ${AUDIT_CHUNK}`.compile(this.trx);
        return { sql: q.sql, parameters: q.parameters };
      },
      events: (chunk, after) => {
        const events: AuditInput[] = chunk.map(([studyId, site, existing, responses, status]) => ({
          at: this.now,
          actor: this.actor.username,
          action: existing === 't' ? 'subject.import_responses' : 'subject.import',
          siteId: site!,
          entity: 'subject',
          entityId: studyId!,
          after: { responses: Number(responses), status, file_sha256: sha256 },
        }));
        if (after + events.length === this.auditRows) events.push(importEvent);
        return events;
      },
    });
  }

  /** Checks and writes every subject added so far, and waits until they are written. */
  async flushAll(): Promise<void> {
    while (this.batch.length > 0 || this.sent) await this.flush();
    await this.settle();
  }

  /** Waits for everything sent; throws the first error the server gave, if any. */
  async settle(): Promise<void> {
    for (let last = this.inflight; ; last = this.inflight) {
      await last;
      if (last === this.inflight) break;
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Checks the batch whose look-up was sent last time, then sends, in one message, this batch's
   * look-up followed by the checked batch's writes.
   */
  private async flush(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.batchForms = 0;
    const previous = this.sent;
    this.sent = null;
    const writes = previous ? await this.check(previous) : [];
    const look = batch.length > 0 ? this.lookUp(batch) : null;
    const steps = look ? [look.step, ...writes] : writes;
    if (steps.length === 0) return;
    let lookedUp!: (rows: StepRows | undefined) => void;
    const rows = new Promise<StepRows | undefined>((resolve) => {
      lookedUp = resolve;
    });
    void this.enqueue(async () => {
      const pipeline = sendPipelined(this.trx, steps);
      pipeline.steps[0]!.then(lookedUp, () => lookedUp(undefined));
      await pipeline.done;
    }).finally(() => lookedUp(undefined));
    if (look) this.sent = { batch, found: this.found(look.ids.length, rows) };
  }

  /** The look-up's answer, once its step is done: undefined when the import failed before or at it. */
  private async found(
    ids: number,
    rows: Promise<StepRows | undefined>,
  ): Promise<{ seen: boolean; stored: Stored } | undefined> {
    const row = (await rows)?.[0];
    if (row === undefined) return undefined;
    const [seen, , registered] = row;
    try {
      return { seen: !this.once || Number(seen) === ids, stored: await this.readStored(registered ?? '[]') };
    } catch (error) {
      // Read while the next batch is: kept as the import's failure, as the server's errors are.
      this.failure ??= error;
      return undefined;
    }
  }

  /**
   * Runs an operation after every one sent before it has finished (the connection runs one
   * statement at a time anyway; this keeps their order). Its first failure is the import's, whichever
   * await meets it; after a failure the rest are not run.
   */
  private enqueue<T>(operation: () => Promise<T>): Promise<T | undefined> {
    const run = this.inflight.then(async () => {
      if (this.failure !== undefined) return undefined;
      try {
        return await operation();
      } catch (error) {
        this.failure ??= error;
        return undefined;
      }
    });
    this.inflight = run;
    return run;
  }

  /**
   * One statement: the batch's subjects marked as seen (when they may come twice), new sites, the
   * sites' sequences locked (an enrolment at the same site waits for this import instead of taking
   * its numbers), and the batch's subjects already registered, locked. Their forms and visits are
   * read only when there are some.
   */
  private lookUp(batch: PendingSubject[]): { step: PipelineStep; ids: string[] } {
    const ids = batch.map((s) => s.studyId);
    const sites = [...new Set(batch.map((s) => s.site))].sort();
    const writing = this.problems.count === 0;
    const newSites = writing ? sites.filter((s) => !this.knownSites.has(s)) : [];
    for (const s of newSites) {
      this.knownSites.add(s);
      this.createdSites.add(s);
    }
    const parts: RawBuilder<unknown>[] = [];
    if (this.once) {
      parts.push(
        sql`seen as (insert into import_seen select distinct unnest(${ids}::text[]) on conflict do nothing returning 1)`,
      );
    }
    if (newSites.length > 0) {
      parts.push(
        sql`new_site as (insert into site (id, name) select s, s from unnest(${newSites}::text[]) s on conflict do nothing)`,
      );
    }
    if (writing) {
      parts.push(
        sql`new_seq as (insert into site_sequence (site_id, last_seq) select s, 0 from unnest(${sites}::text[]) s on conflict do nothing)`,
        sql`locked as (select site_id from site_sequence where site_id = any(${sites}::text[]) order by site_id for update)`,
      );
    }
    parts.push(sql`registered as (
      select study_id, site_id, status, index_date::text, enrolled_on::text, version from subject
      where study_id = any(${ids}::text[]) order by study_id for update)`);
    const query = sql`with ${sql.join(parts)}
      select ${this.once ? sql`(select count(*) from seen)` : sql`null`} as seen,
        ${writing ? sql`(select count(*) from locked)` : sql`null`} as locked,
        (select coalesce(json_agg(registered), '[]') from registered)::text as registered`;
    return { step: this.step(query), ids };
  }

  /** A statement as a pipeline step. */
  private step(query: Compilable, copyData?: Buffer): PipelineStep {
    const compiled = query.compile(this.trx);
    const step: PipelineStep = { sql: compiled.sql, parameters: compiled.parameters };
    if (copyData) step.copyData = copyData;
    return step;
  }

  private async readStored(registered: string): Promise<Stored> {
    const stored: Stored = { subjects: new Map(), forms: new Map(), visits: new Map() };
    const rows = JSON.parse(registered) as {
      study_id: string;
      site_id: string;
      status: SubjectRow['status'];
      index_date: string | null;
      enrolled_on: string;
      version: number;
    }[];
    if (rows.length === 0) return stored;
    for (const r of rows)
      stored.subjects.set(r.study_id, { site_id: r.site_id, state: stateOf(r), version: r.version });
    const ids = rows.map((r) => r.study_id);
    const forms = await this.trx
      .selectFrom('response')
      .select(['study_id', 'visit', 'instrument', 'instance', 'status', 'answers'])
      .where('study_id', '=', sql<string>`any(${ids}::text[])`)
      .execute();
    for (const f of forms) {
      const list = stored.forms.get(f.study_id) ?? [];
      list.push({
        form: {
          instrument: f.instrument,
          visit: f.visit,
          instance: f.instance,
          answers: storedAnswers(f.answers),
        },
        draft: f.status === 'draft',
      });
      stored.forms.set(f.study_id, list);
    }
    const visits = await this.trx
      .selectFrom('visit')
      .select(['study_id', 'visit', sql<string | null>`visit_date::text`.as('date')])
      .where('study_id', '=', sql<string>`any(${ids}::text[])`)
      .execute();
    for (const v of visits) stored.visits.set(`${v.study_id}\u0000${v.visit}`, v.date);
    return stored;
  }

  /** Checks a batch whose look-up was sent; its writes, as pipeline steps (none after a problem). */
  private async check(sent: Sent): Promise<PipelineStep[]> {
    const found = await sent.found;
    if (this.failure !== undefined || found === undefined) {
      await this.settle();
      return [];
    }
    if (!found.seen) throw new SubjectRepeated();
    const checked = checkBatch(this.deps.protocol, this.today, sent.batch, found.stored, this.problems);
    if (this.problems.count > 0) return [];
    for (const s of checked.subjects) this.topSeq.set(s.site, Math.max(this.topSeq.get(s.site) ?? 0, s.seq));
    const steps: PipelineStep[] = [];
    for (const u of checked.updates) {
      steps.push(
        this.step(
          this.trx
            .updateTable('subject')
            .set({ ...u.state, version: u.version + 1, updated_at: this.now })
            .where('study_id', '=', u.studyId),
        ),
      );
    }
    steps.push(this.step(batchRows(checked, this.deps, this.actor, this.now)));
    this.auditRows += checked.audit.length;
    this.newSubjects += checked.subjects.length;
    if (checked.responses.length > 0) {
      this.responses += checked.responses.length;
      steps.push(
        this.step(sql.raw(RESPONSE_COPY), Buffer.from(formsCopyText(checked, this.fixedCopy), 'utf8')),
      );
    }
    return steps;
  }
}
