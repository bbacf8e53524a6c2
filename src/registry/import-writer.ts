// The import's batched writes (subjects, visits, forms), checked against the registry, and its audit events.
import { sql, type Transaction } from 'kysely';
import type { Answers, InstrumentDef } from '../instruments/index.js';
import { subjectInstrument } from '../protocol/index.js';
import { type AuditInput, appendAuditBatch, type Database } from '../store/index.js';
import type { Actor, RegistryDeps } from './context.js';
import { CopyIn, copyText } from './copy-in.js';
import { type DatedForm, dateOrderIssues, visitDateIssues } from './date-rules.js';
import { dated, type Form, type SubjectGroup } from './import-form.js';
import { type Problems, reportIssues } from './import-problems.js';
import { type SubjectState, secondEnds, stateOf, subjectStateAfter } from './subject-state.js';
import { drawDateShift } from './subjects.js';

/** A subject's rows came in two runs: the file must be staged and walked in study order. */
export class SubjectRepeated extends Error {}

/**
 * Forms written per statement; a batch always ends at a subject boundary. Two batches are in memory
 * at once (one read, one written), and the collector lets the heap grow to a few times that: 2,500
 * keeps a 13 M-row import under 300 MB (5,000: 301 MB).
 */
const WRITE_BATCH = 2500;

interface PendingSubject extends SubjectGroup {
  creatingLine: number | null;
}

/**
 * Writes subjects and their forms in batches that end at subject boundaries: checks each batch
 * against the registry (subject exists, at which site, forms already recorded, date order), then
 * inserts with one statement per table. Writing stops at the first problem; checking goes on.
 */
export class Writer {
  newSubjects = 0;
  responses = 0;
  private batch: PendingSubject[] = [];
  private batchForms = 0;
  private knownSites = new Set<string>();
  private createdSites = new Set<string>();
  private topSeq = new Map<string, number>();
  private auditRows = 0;
  private inflight: Promise<void> = Promise.resolve();
  private failure: unknown;
  private readonly today: string;
  private once = false;

  constructor(
    private readonly deps: RegistryDeps,
    private readonly actor: Actor,
    private readonly trx: Transaction<Database>,
    private readonly now: Date,
    private readonly problems: Problems,
  ) {
    this.today = now.toISOString().slice(0, 10);
  }

  /**
   * @param once - when the subjects do not come sorted: whether to check that each comes only once
   *   (in one run of rows), throwing {@link SubjectRepeated} otherwise.
   */
  async init(once = false): Promise<void> {
    for (const s of await this.trx.selectFrom('site').select('id').execute()) this.knownSites.add(s.id);
    await sql`create temp table import_audit (
      n bigint generated always as identity, study_id text not null, site text not null,
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
    const c = subject.forms.find(
      (f) => f.def === creating.def && f.visit === creating.visit && f.instance === 1,
    );
    this.batch.push({ ...subject, creatingLine: c ? c.firstLine : null });
    this.batchForms += subject.forms.length;
    if (this.batchForms >= WRITE_BATCH) await this.flush();
  }

  async finish(sha256: string, rows: number): Promise<void> {
    await this.flush();
    await this.settle();
    if (this.problems.count > 0) return;
    // Keep each site's study id sequence past the highest imported number.
    for (const [site, top] of this.topSeq) {
      await this.trx
        .updateTable('site_sequence')
        .set((eb) => ({ last_seq: eb.fn('greatest', [eb.ref('last_seq'), eb.val(top)]) }))
        .where('site_id', '=', site)
        .execute();
    }
    // Audit last, so the chain's lock is held only from here to COMMIT.
    for (let after = 0; after < this.auditRows; after += 5000) {
      const { rows: batch } = await sql<{
        study_id: string;
        site: string;
        existing: boolean;
        responses: number;
        status: string | null;
      }>`select study_id, site, existing, responses, status from import_audit where n > ${after} order by n limit 5000`.execute(
        this.trx,
      );
      await appendAuditBatch(
        this.trx,
        batch.map((r) => ({
          at: this.now,
          actor: this.actor.username,
          action: r.existing ? 'subject.import_responses' : 'subject.import',
          siteId: r.site,
          entity: 'subject',
          entityId: r.study_id,
          after: { responses: r.responses, status: r.status, file_sha256: sha256 },
        })),
      );
    }
    const event: AuditInput = {
      at: this.now,
      actor: this.actor.username,
      action: 'import.tidy',
      siteId: null,
      entity: 'import',
      entityId: sha256.slice(0, 16),
      after: { rows, responses: this.responses, subjects: this.newSubjects, file_sha256: sha256 },
    };
    await appendAuditBatch(this.trx, [event]);
  }

  /** Writes the subjects added so far and waits until they are written. */
  async flushAll(): Promise<void> {
    await this.flush();
    await this.settle();
  }

  private async flush(): Promise<void> {
    await this.settle();
    const batch = this.batch;
    this.batch = [];
    this.batchForms = 0;
    if (batch.length === 0) return;
    const trx = this.trx;
    const ids = batch.map((s) => s.studyId);
    if (this.once) {
      const { rows } = await sql<{ n: string }>`with added as (
          insert into import_seen select distinct unnest(${ids}::text[]) on conflict do nothing returning 1
        ) select count(*) as n from added`.execute(trx);
      if (Number(rows[0]!.n) !== ids.length) throw new SubjectRepeated();
    }
    // New sites first (the subject rows refer to them), then lock the sequences of every site in
    // the batch: an enrolment at the same site waits for this import instead of taking its numbers.
    const sites = [...new Set(batch.map((s) => s.site))].sort();
    const newSites = sites.filter((s) => !this.knownSites.has(s));
    if (newSites.length > 0 && this.problems.count === 0) {
      await sql`insert into site (id, name) select s, s from unnest(${newSites}::text[]) s on conflict do nothing`.execute(
        trx,
      );
      for (const s of newSites) {
        this.knownSites.add(s);
        this.createdSites.add(s);
      }
    }
    if (this.problems.count === 0) {
      await sql`insert into site_sequence (site_id, last_seq) select s, 0 from unnest(${sites}::text[]) s on conflict do nothing`.execute(
        trx,
      );
      await sql`select site_id from site_sequence where site_id = any(${sites}::text[]) order by site_id for update`.execute(
        trx,
      );
    }
    const existing = new Map<string, { site_id: string; state: SubjectState; version: number }>();
    const rows = await trx
      .selectFrom('subject')
      .select(['study_id', 'site_id', 'status', 'index_date', 'enrolled_on', 'version'])
      .where('study_id', '=', sql<string>`any(${ids}::text[])`)
      .orderBy('study_id')
      .forUpdate()
      .execute();
    for (const r of rows)
      existing.set(r.study_id, { site_id: r.site_id, state: stateOf(r), version: r.version });
    const stored = new Map<string, { form: DatedForm; draft: boolean }[]>();
    if (existing.size > 0) {
      const forms = await trx
        .selectFrom('response')
        .select(['study_id', 'visit', 'instrument', 'instance', 'status', 'answers'])
        .where('study_id', '=', sql<string>`any(${[...existing.keys()]}::text[])`)
        .execute();
      for (const f of forms) {
        const list = stored.get(f.study_id) ?? [];
        const answers = (typeof f.answers === 'string' ? JSON.parse(f.answers) : f.answers) as Answers;
        list.push({
          form: { instrument: f.instrument, visit: f.visit, instance: f.instance, answers },
          draft: f.status === 'draft',
        });
        stored.set(f.study_id, list);
      }
    }

    // Visits already recorded for these subjects, with their dates (null: missed).
    const recordedVisits = new Map<string, string | null>();
    if (existing.size > 0) {
      const stored = await trx
        .selectFrom('visit')
        .select(['study_id', 'visit', sql<string | null>`visit_date::text`.as('date')])
        .where('study_id', '=', sql<string>`any(${[...existing.keys()]}::text[])`)
        .execute();
      for (const v of stored) recordedVisits.set(`${v.study_id}\u0000${v.visit}`, v.date);
    }
    const visitRows: { subject: PendingSubject; form: Form }[] = [];
    const subjectRows: Record<string, unknown>[] = [];
    const updates: { studyId: string; state: SubjectState; version: number }[] = [];
    const responseRows: { subject: PendingSubject; form: Form }[] = [];
    const audit: {
      study_id: string;
      site: string;
      existing: boolean;
      responses: number;
      status: string | null;
    }[] = [];
    for (const s of batch) {
      const inDb = existing.get(s.studyId);
      if (inDb && inDb.site_id !== s.site) {
        this.problems.add(
          s.firstLine,
          'site',
          `${s.studyId} is registered at site ${inDb.site_id}, not ${s.site}`,
        );
        continue;
      }
      if (inDb && s.creatingLine !== null) {
        this.problems.add(s.creatingLine, 'study_id', `${s.studyId} is already enrolled`);
      }
      if (!inDb && s.creatingLine === null) {
        const { visit, def } = subjectInstrument(this.deps.protocol);
        this.problems.add(
          s.firstLine,
          'study_id',
          `${s.studyId} is not in the registry and the file has no ${def.id} form for it at ${visit}`,
        );
        continue;
      }
      const db = stored.get(s.studyId) ?? [];
      for (const f of s.forms) {
        if (
          db.some(
            ({ form: d }) => d.visit === f.visit && d.instrument === f.def.id && d.instance === f.instance,
          )
        ) {
          this.problems.add(
            f.firstLine,
            'instrument',
            `${f.def.id} at ${f.visit} is already recorded for ${s.studyId}`,
          );
        }
      }
      // A subject leaves the study once, whichever visits its end-of-study forms are at.
      const ends = secondEnds(
        s.studyId,
        db.map((d) => d.form),
        s.forms.map((f) => ({ instrument: f.def.id, visit: f.visit })),
      );
      s.forms.forEach((f, i) => {
        const why = ends[i];
        if (why) this.problems.add(f.firstLine, 'instrument', why);
      });
      // Dates in an impossible order beside the subject's other complete forms, in the file or stored.
      const complete: DatedForm[] = [
        ...db.filter((d) => !d.draft).map((d) => d.form),
        ...s.forms.filter((f) => f.answers).map((f) => dated(f)),
      ];
      // A visit's date, from the file or stored, bounds the dates its forms may give (stop dates).
      const visitDate = (visit: string) =>
        s.visits?.find((v) => v.visit === visit)?.visitRecord?.date ??
        recordedVisits.get(`${s.studyId}\u0000${visit}`);
      for (const f of s.forms) {
        if (!f.answers) continue;
        reportIssues(this.problems, f, dateOrderIssues(dated(f), complete));
        reportIssues(this.problems, f, visitDateIssues(dated(f), visitDate(f.visit)));
      }
      if (this.problems.count > 0) continue;
      // The subject as if its forms were entered one by one, in study order.
      let state: SubjectState | null = inDb ? inDb.state : null;
      for (const f of s.forms) state = subjectStateAfter(state, f.def, f.answers!, this.today);
      if (!inDb) {
        const seq = Number(s.studyId.slice(s.site.length + 1));
        this.topSeq.set(s.site, Math.max(this.topSeq.get(s.site) ?? 0, seq));
        subjectRows.push({
          study_id: s.studyId,
          site_id: s.site,
          seq,
          ...state!,
          date_shift_days: drawDateShift(this.deps.random),
        });
        this.newSubjects++;
      } else if (
        state!.status !== inDb.state.status ||
        state!.index_date !== inDb.state.index_date ||
        state!.enrolled_on !== inDb.state.enrolled_on
      ) {
        updates.push({ studyId: s.studyId, state: state!, version: inDb.version });
      }
      for (const form of s.forms) responseRows.push({ subject: s, form });
      for (const form of s.visits ?? []) {
        if (recordedVisits.has(`${s.studyId}\u0000${form.visit}`)) {
          this.problems.add(
            form.firstLine,
            'instrument',
            `the ${form.visit} visit of ${s.studyId} is already recorded`,
          );
        } else {
          visitRows.push({ subject: s, form });
        }
      }
      audit.push({
        study_id: s.studyId,
        site: s.site,
        existing: Boolean(inDb),
        responses: s.forms.length,
        status: state!.status,
      });
    }
    if (this.problems.count > 0) return;
    await this.writeSubjects(subjectRows);
    for (const u of updates) {
      await trx
        .updateTable('subject')
        .set({ ...u.state, version: u.version + 1, updated_at: this.now })
        .where('study_id', '=', u.studyId)
        .execute();
    }
    await sql`insert into import_audit (study_id, site, existing, responses, status)
      select * from unnest(${audit.map((a) => a.study_id)}::text[], ${audit.map((a) => a.site)}::text[],
        ${audit.map((a) => a.existing)}::boolean[], ${audit.map((a) => a.responses)}::int[], ${audit.map((a) => a.status)}::text[])`.execute(
      trx,
    );
    this.auditRows += audit.length;
    if (this.problems.count > 0) return;
    if (visitRows.length > 0) {
      const col = <T>(f: (r: (typeof visitRows)[number]) => T) => visitRows.map(f);
      await sql`insert into visit (site_id, study_id, visit, visit_date, mode, missed_reason, entered_by, created_at, updated_at)
        select v.*, ${this.actor.username}, ${this.now}::timestamptz, ${this.now}::timestamptz
        from unnest(${col((r) => r.subject.site)}::text[], ${col((r) => r.subject.studyId)}::text[],
          ${col((r) => r.form.visit)}::text[], ${col((r) => r.form.visitRecord!.date)}::date[],
          ${col((r) => r.form.visitRecord!.mode)}::text[], ${col((r) => r.form.visitRecord!.missedReason)}::text[]) v`.execute(
        trx,
      );
    }
    // The forms' COPY runs in the server while this process validates the next subjects: the
    // transaction's queries queue behind it, and its outcome is collected at the next flush.
    this.inflight = this.writeResponses(responseRows).catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** Waits for the forms being written; throws what went wrong there first, if anything did. */
  async settle(): Promise<void> {
    await this.inflight;
    if (this.failure !== undefined) throw this.failure;
  }

  private async writeSubjects(rows: Record<string, unknown>[]): Promise<void> {
    if (rows.length === 0) return;
    const col = (k: string) => rows.map((r) => r[k] as string | number | null);
    const p = this.deps.protocol;
    await sql`insert into subject (study_id, site_id, seq, status, enrolled_on, index_date, date_shift_days,
        protocol_id, protocol_version, created_at, updated_at)
      select s.*, ${p.id}, ${p.version}, ${this.now}::timestamptz, ${this.now}::timestamptz
      from unnest(${col('study_id')}::text[], ${col('site_id')}::text[], ${col('seq')}::int[], ${col('status')}::text[],
        ${col('enrolled_on')}::date[], ${col('index_date')}::date[], ${col('date_shift_days')}::int[]) s`.execute(
      this.trx,
    );
  }

  /** The batch's forms with one COPY: no parameter arrays to build and parse, one trigger run. */
  private async writeResponses(list: { subject: PendingSubject; form: Form }[]): Promise<void> {
    if (list.length === 0) return;
    const fixed = [
      this.deps.protocol.version,
      'complete',
      '1',
      this.actor.username,
      'staff',
      this.now.toISOString(),
      this.now.toISOString(),
    ]
      .map(copyText)
      .join('\t');
    const copy = await CopyIn.start(
      this.trx,
      `copy "response" (site_id, study_id, visit, instrument, instance, instrument_version, answers, scores,
        pain_nrs, odi_pct, mme_day, opioid_any, collected_on, missing,
        protocol_version, status, version, entered_by, entered_by_kind, created_at, updated_at) from stdin`,
    );
    try {
      for (const { subject, form } of list) {
        const c = form.columns!;
        const fields = [
          subject.site,
          subject.studyId,
          form.visit,
          form.def.id,
          form.instance,
          form.def.version,
          c.answers,
          c.scores,
          c.pain_nrs ?? null,
          c.odi_pct ?? null,
          c.mme_day ?? null,
          c.opioid_any === null || c.opioid_any === undefined ? null : c.opioid_any ? 't' : 'f',
          c.collected_on ?? null,
          c.missing,
        ];
        await copy.write(`${fields.map(copyText).join('\t')}\t${fixed}\n`);
      }
    } catch (error) {
      await copy.fail('import stopped');
      throw error;
    }
    await copy.end();
    this.responses += list.length;
  }
}
