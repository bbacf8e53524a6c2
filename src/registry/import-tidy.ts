import { createHash } from 'node:crypto';
import { type Issue, RegistryError } from '../errors.js';
import { parseCsv } from '../exchange/csv.js';
import { TIDY_HEADER } from '../exchange/tidy.js';
import { type Answers, type InstrumentDef, parseAnswers, scoreAnswers } from '../instruments/index.js';
import { subjectInstrument } from '../protocol/index.js';
import { type AuditInput, appendAuditBatch } from '../store/index.js';
import { type Actor, type RegistryDeps, requirePermission } from './context.js';
import { checkPlacement } from './protocol-rules.js';
import { responseColumns } from './response-columns.js';
import { formOrder, type SubjectState, subjectStateAfter, writeSubjectStates } from './subject-state.js';
import { drawDateShift } from './subjects.js';

export interface ImportProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  column: string;
  message: string;
}

export interface ImportSummary {
  rows: number;
  subjects: number;
  responses: number;
  sitesCreated: string[];
  dryRun: boolean;
}

export interface ImportOptions {
  dryRun?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Stop collecting problems after this many (the file is refused anyway). */
  maxProblems?: number;
}

interface PendingResponse {
  key: string;
  studyId: string;
  site: string;
  visit: string;
  instrument: string;
  instance: number;
  def: InstrumentDef;
  raw: Record<string, string>;
  lines: Record<string, number>;
  firstLine: number;
  answers?: Answers;
}

const SITE_CODE = /^[A-Z][A-Z0-9]{1,11}$/;
const BATCH = 1000;

/**
 * Imports a tidy CSV all-or-nothing: every row is checked first and nothing is written when any
 * row is bad; the problems name the line, the column and what is wrong.
 */
export async function importTidy(
  deps: RegistryDeps,
  actor: Actor,
  text: string,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  requirePermission(actor, 'data.import');
  const problems: ImportProblem[] = [];
  const max = options.maxProblems ?? 200;
  const fail = (line: number, column: string, message: string) => {
    if (problems.length < max) problems.push({ line, column, message });
  };

  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (error) {
    throw new RegistryError('IMPORT_FAILED', `the file is not valid CSV: ${(error as Error).message}`);
  }
  const header = records[0]?.fields ?? [];
  if (header.join(',') !== TIDY_HEADER.join(',')) {
    throw new RegistryError(
      'IMPORT_FAILED',
      `line 1: the header must be exactly "${TIDY_HEADER.join(',')}" (got "${header.join(',')}")`,
      [{ path: [1, 'header'], code: 'bad_header', message: 'unexpected header' }],
    );
  }

  const responses = new Map<string, PendingResponse>();
  const subjectSite = new Map<string, { site: string; line: number }>();
  for (let r = 1; r < records.length; r++) {
    const { line, fields } = records[r]!;
    if (fields.length !== TIDY_HEADER.length) {
      fail(line, 'row', `expected ${TIDY_HEADER.length} columns, found ${fields.length}`);
      continue;
    }
    const [studyId, site, visit, instrument, instanceText, item, value] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!/^[A-Z][A-Z0-9]{1,11}-\d{4,}$/.test(studyId)) {
      fail(line, 'study_id', `"${studyId}" is not a study id like VCU-0007`);
      continue;
    }
    if (!SITE_CODE.test(site)) {
      fail(line, 'site', `"${site}" is not a site code (2–12 capital letters or digits)`);
      continue;
    }
    if (!studyId.startsWith(`${site}-`)) {
      fail(
        line,
        'study_id',
        `${studyId} does not belong to site ${site} (study ids start with their site code)`,
      );
      continue;
    }
    const known = subjectSite.get(studyId);
    if (known && known.site !== site) {
      fail(line, 'site', `${studyId} is at site ${known.site} on line ${known.line}, not ${site}`);
      continue;
    }
    if (!known) subjectSite.set(studyId, { site, line });
    if (!/^[1-9]\d*$/.test(instanceText)) {
      fail(line, 'instance', `"${instanceText}" is not a whole number from 1`);
      continue;
    }
    const instance = Number(instanceText);
    let def: InstrumentDef;
    try {
      def = checkPlacement(deps.protocol, visit, instrument, instance);
    } catch (error) {
      const column =
        error instanceof RegistryError && error.code === 'UNKNOWN_VISIT'
          ? 'visit'
          : error instanceof RegistryError && error.code === 'VALIDATION_FAILED'
            ? 'instance'
            : 'instrument';
      fail(line, column, (error as Error).message);
      continue;
    }
    if (!def.items.some((i) => i.id === item)) {
      fail(line, 'item', `${instrument} has no item "${item}"`);
      continue;
    }
    const key = `${studyId}\u0000${visit}\u0000${instrument}\u0000${instance}`;
    let pending = responses.get(key);
    if (!pending) {
      pending = { key, studyId, site, visit, instrument, instance, def, raw: {}, lines: {}, firstLine: line };
      responses.set(key, pending);
    }
    if (item in pending.raw) {
      fail(
        line,
        'item',
        `${item} of ${instrument} at ${visit} for ${studyId} is already given on line ${pending.lines[item]}`,
      );
      continue;
    }
    pending.raw[item] = value;
    pending.lines[item] = line;
  }

  // Second pass: each response as a whole (types, ranges, required items, cross-item rules).
  for (const p of responses.values()) {
    const result = parseAnswers(p.def, p.raw);
    if (!result.ok) {
      for (const issue of result.issues) {
        const item = String(issue.path[0] ?? '');
        fail(p.lines[item] ?? p.firstLine, p.lines[item] !== undefined ? 'value' : 'item', issue.message);
      }
      continue;
    }
    p.answers = result.answers;
  }

  // Subjects: new ones need their enrollment form in the file; existing ones must not be re-imported over.
  const studyIds = [...subjectSite.keys()];
  const existing = new Map<string, string>();
  for (let i = 0; i < studyIds.length; i += BATCH) {
    const rows = await deps.db
      .selectFrom('subject')
      .select(['study_id', 'site_id'])
      .where('study_id', 'in', studyIds.slice(i, i + BATCH))
      .execute();
    for (const row of rows) existing.set(row.study_id, row.site_id);
  }
  const { visit: enrolmentVisit, def: creating } = subjectInstrument(deps.protocol);
  const { studyIdItem, siteItem } = creating.createsSubject!;
  for (const [studyId, { site, line }] of subjectSite) {
    const inDb = existing.get(studyId);
    if (inDb !== undefined && inDb !== site)
      fail(line, 'site', `${studyId} is registered at site ${inDb}, not ${site}`);
    const enrolment = responses.get(`${studyId}\u0000${enrolmentVisit}\u0000${creating.id}\u00001`);
    if (inDb === undefined && !enrolment) {
      fail(
        line,
        'study_id',
        `${studyId} is not in the registry and the file has no ${creating.id} form for it at ${enrolmentVisit}`,
      );
    }
    if (enrolment?.answers) {
      if (inDb !== undefined) fail(enrolment.firstLine, 'study_id', `${studyId} is already enrolled`);
      if (enrolment.answers[studyIdItem] !== studyId) {
        fail(
          enrolment.lines[studyIdItem] ?? enrolment.firstLine,
          'value',
          `${creating.id} ${studyIdItem} must be ${studyId}`,
        );
      }
      if (enrolment.answers[siteItem] !== site) {
        fail(
          enrolment.lines[siteItem] ?? enrolment.firstLine,
          'value',
          `${creating.id} ${siteItem} must be ${site}`,
        );
      }
    }
  }
  const existingIds = [...existing.keys()];
  if (existingIds.length > 0) {
    for (let i = 0; i < existingIds.length; i += BATCH) {
      const rows = await deps.db
        .selectFrom('response')
        .select(['study_id', 'visit', 'instrument', 'instance'])
        .where('study_id', 'in', existingIds.slice(i, i + BATCH))
        .execute();
      for (const row of rows) {
        const p = responses.get(
          `${row.study_id}\u0000${row.visit}\u0000${row.instrument}\u0000${row.instance}`,
        );
        if (p)
          fail(
            p.firstLine,
            'instrument',
            `${p.instrument} at ${p.visit} is already recorded for ${p.studyId}`,
          );
      }
    }
  }

  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line);
    const issues: Issue[] = problems.map((p) => ({
      path: [p.line, p.column],
      code: 'invalid_row',
      message: `line ${p.line}, ${p.column}: ${p.message}`,
    }));
    const more = problems.length >= max ? ` (showing the first ${max})` : '';
    throw new RegistryError(
      'IMPORT_FAILED',
      `import refused, nothing was written: ${problems.length} problem${problems.length === 1 ? '' : 's'}${more}`,
      issues,
    );
  }

  const summary: ImportSummary = {
    rows: records.length - 1,
    subjects: [...subjectSite.keys()].filter((id) => !existing.has(id)).length,
    responses: responses.size,
    sitesCreated: [],
    dryRun: options.dryRun ?? false,
  };
  const sites = new Set([...subjectSite.values()].map((s) => s.site));
  const knownSites = new Set((await deps.db.selectFrom('site').select('id').execute()).map((s) => s.id));
  summary.sitesCreated = [...sites].filter((s) => !knownSites.has(s)).sort();
  if (options.dryRun) return summary;

  await writeImport(deps, actor, text, [...responses.values()], subjectSite, existing, summary, options);
  return summary;
}

async function writeImport(
  deps: RegistryDeps,
  actor: Actor,
  text: string,
  responses: PendingResponse[],
  subjectSite: Map<string, { site: string; line: number }>,
  existing: Map<string, string>,
  summary: ImportSummary,
  options: ImportOptions,
): Promise<void> {
  const now = deps.clock();
  // Forms in study order (visits, the creating form first), so every subject ends as if entered one by one.
  responses.sort(formOrder(deps.protocol));
  const states = new Map<string, SubjectState>();
  const perSubject = new Map<string, number>();
  const today = now.toISOString().slice(0, 10);
  for (const p of responses) {
    perSubject.set(p.studyId, (perSubject.get(p.studyId) ?? 0) + 1);
    if (existing.has(p.studyId)) continue;
    states.set(p.studyId, subjectStateAfter(states.get(p.studyId) ?? null, p.def, p.answers!, today));
  }
  const total = responses.length;
  await deps.db.transaction().execute(async (trx) => {
    for (const site of summary.sitesCreated) {
      await trx.insertInto('site').values({ id: site, name: site }).execute();
      await trx.insertInto('site_sequence').values({ site_id: site, last_seq: 0 }).execute();
    }
    const newSubjects = [...states.entries()].map(([studyId, s]) => {
      const site = subjectSite.get(studyId)!.site;
      return {
        study_id: studyId,
        site_id: site,
        seq: Number(studyId.slice(site.length + 1)),
        status: s.status,
        enrolled_on: s.enrolled_on,
        index_date: s.index_date,
        date_shift_days: drawDateShift(deps.random),
        protocol_id: deps.protocol.id,
        protocol_version: deps.protocol.version,
        created_at: now,
        updated_at: now,
      };
    });
    for (let i = 0; i < newSubjects.length; i += BATCH) {
      await trx
        .insertInto('subject')
        .values(newSubjects.slice(i, i + BATCH))
        .execute();
    }
    // Keep each site's study id sequence past the highest imported number.
    for (const site of new Set(newSubjects.map((s) => s.site_id))) {
      const top = Math.max(...newSubjects.filter((s) => s.site_id === site).map((s) => s.seq));
      await trx
        .updateTable('site_sequence')
        .set((eb) => ({ last_seq: eb.fn('greatest', [eb.ref('last_seq'), eb.val(top)]) }))
        .where('site_id', '=', site)
        .execute();
    }
    for (let i = 0; i < total; i += BATCH) {
      const chunk = responses.slice(i, i + BATCH).map((p) => {
        const answers = p.answers!;
        return {
          site_id: p.site,
          study_id: p.studyId,
          visit: p.visit,
          instrument: p.instrument,
          instance: p.instance,
          instrument_version: p.def.version,
          protocol_version: deps.protocol.version,
          ...responseColumns(p.def, answers, scoreAnswers(p.def, answers, deps.protocol.rules)),
          status: 'complete' as const,
          version: 1,
          entered_by: actor.username,
          entered_by_kind: 'staff' as const,
          created_at: now,
          updated_at: now,
        };
      });
      await trx.insertInto('response').values(chunk).execute();
      options.onProgress?.(Math.min(i + BATCH, total), total);
    }
    // Forms for subjects already in the registry move them on too (procedure → treated, end of study).
    const updated = await writeSubjectStates(
      trx,
      responses.filter((p) => existing.has(p.studyId)).map((p) => ({ ...p, answers: p.answers! })),
      now,
    );
    for (const [studyId, state] of updated) states.set(studyId, state);
    const sha256 = createHash('sha256').update(text).digest('hex');
    const events: AuditInput[] = [...perSubject.entries()].map(([studyId, count]) => ({
      at: now,
      actor: actor.username,
      action: existing.has(studyId) ? 'subject.import_responses' : 'subject.import',
      siteId: subjectSite.get(studyId)!.site,
      entity: 'subject',
      entityId: studyId,
      after: { responses: count, status: states.get(studyId)?.status ?? null, file_sha256: sha256 },
    }));
    events.push({
      at: now,
      actor: actor.username,
      action: 'import.tidy',
      siteId: null,
      entity: 'import',
      entityId: sha256.slice(0, 16),
      after: { rows: summary.rows, responses: total, subjects: summary.subjects, file_sha256: sha256 },
    });
    await appendAuditBatch(trx, events);
  });
}
