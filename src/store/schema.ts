import type { ColumnType, Generated } from 'kysely';

/** A value as it comes back from a jsonb column. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * jsonb columns are written as JSON text (`JSON.stringify(x)`): pg would turn a JS array into a
 * PostgreSQL array literal, so objects are never handed to the driver directly.
 */
type Jsonb<T extends JsonValue = JsonValue> = ColumnType<T, string, string>;
type NullableJsonb = ColumnType<JsonValue | null, string | null | undefined, string | null>;
/** timestamptz: read as Date, written as Date or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type TimestampDefault = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** `date` columns are 'YYYY-MM-DD' strings both ways (type parser 1082 in pg-types.ts). */
type IsoDate = string;
/** bigint identity: read as number (type parser 20), never written. */
type Identity = ColumnType<number, never, never>;
/** Identity columns that a restore writes with OVERRIDING SYSTEM VALUE. */
type Defaulted<T> = ColumnType<T, T | undefined, T>;

export const ROLE_VALUES = ['admin', 'coordinator', 'investigator', 'monitor', 'statistician'] as const;
export const SUBJECT_STATUS_VALUES = ['screened', 'enrolled', 'treated', 'withdrawn', 'completed'] as const;
export const RESPONSE_STATUS_VALUES = ['draft', 'complete', 'locked', 'signed'] as const;
export const QUERY_STATUS_VALUES = ['open', 'answered', 'closed'] as const;

export type RoleValue = (typeof ROLE_VALUES)[number];
export type SubjectStatus = (typeof SUBJECT_STATUS_VALUES)[number];
export type ResponseStatus = (typeof RESPONSE_STATUS_VALUES)[number];
export type QueryStatus = (typeof QUERY_STATUS_VALUES)[number];

export interface SiteTable {
  id: string;
  name: string;
  /** The greeting an ePRO message opens with (0013); null: a plain greeting. */
  epro_greeting: ColumnType<string | null, string | null | undefined>;
  created_at: TimestampDefault;
  /** The patient pages' language (0018); null: English. */
  language: ColumnType<string | null, string | null | undefined>;
}

/** A text a site installed for its patient pages (0018): a message catalog or its licensed ODI wording. */
export interface SiteTextTable {
  id: Identity;
  site_id: string;
  kind: 'catalog' | 'odi';
  language: string;
  body: ColumnType<unknown, string, string>;
  licence: string | null;
  installed_by: string;
  installed_at: Timestamp;
  replaced_at: NullableTimestamp;
}

export interface SiteSequenceTable {
  site_id: string;
  last_seq: Defaulted<number>;
}

export interface AppUserTable {
  id: Generated<string>;
  username: string;
  password_hash: string;
  role: RoleValue;
  site_id: string | null;
  created_at: TimestampDefault;
  disabled_at: NullableTimestamp;
  /** Shown with the user's signature (0010-web-sessions); null: the username is shown. */
  full_name: ColumnType<string | null, string | null | undefined, string | null>;
}

/** The sites a user works at (0010-web-sessions); coordinators and investigators may have several. */
export interface UserSiteTable {
  user_id: string;
  site_id: string;
}

/** A staff sign-in: only the sha256 of the browser's random id is stored. */
export interface WebSessionTable {
  id_hash: string;
  user_id: string;
  active_site_id: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  ended_at: NullableTimestamp;
  /** Set while a patient answers ePRO in the clinic on this session's device (0016). */
  locked_at: NullableTimestamp;
}

/** One failed sign-in, for backoff per account and per address and the account lockout. */
export interface LoginFailureTable {
  id: Identity;
  username: string;
  ip: string;
  at: Timestamp;
}

export interface SubjectTable {
  study_id: string;
  site_id: string;
  seq: number;
  status: SubjectStatus;
  enrolled_on: IsoDate;
  index_date: IsoDate | null;
  date_shift_days: number;
  protocol_id: string;
  protocol_version: string;
  version: Defaulted<number>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface SubjectIdentityTable {
  study_id: string;
  site_id: string;
  family_name: string | null;
  given_name: string | null;
  mrn: string | null;
  birth_date: IsoDate | null;
  phone: string | null;
  email: string | null;
  /** ePRO contact (0013): null means e-mail when an address is on file. */
  contact_channel: ColumnType<
    'email' | 'phone' | 'in_clinic' | null,
    'email' | 'phone' | 'in_clinic' | null | undefined
  >;
  /** When the patient declined e-mail (0013); null: not declined. */
  email_declined_at: NullableTimestamp;
}

export interface ResponseTable {
  id: Identity;
  site_id: string;
  study_id: string;
  visit: string;
  instrument: string;
  instance: Defaulted<number>;
  instrument_version: string;
  protocol_version: string;
  answers: Jsonb<JsonObject>;
  scores: ColumnType<JsonObject, string | undefined, string>;
  pain_nrs: number | null;
  odi_pct: number | null;
  mme_day: number | null;
  opioid_any: boolean | null;
  status: ResponseStatus;
  version: Defaulted<number>;
  entered_by: string;
  entered_by_kind: 'staff' | 'patient';
  collected_on: IsoDate | null;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  locked_by: string | null;
  locked_at: NullableTimestamp;
  signed_by: string | null;
  signed_at: NullableTimestamp;
  /** Items marked missing with a code, item id → code; null when none (0007-missing-data-codes). */
  missing: NullableJsonb;
}

/** A subject's visit: done on a date in a mode, or missed with a reason (0003-visit). */
export interface VisitTable {
  id: Identity;
  site_id: string;
  study_id: string;
  visit: string;
  visit_date: IsoDate | null;
  mode: VisitMode | null;
  missed_reason: string | null;
  entered_by: string;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
  version: Defaulted<number>;
}

export const VISIT_MODE_VALUES = ['clinic', 'phone', 'epro'] as const;
export type VisitMode = (typeof VISIT_MODE_VALUES)[number];

export interface QueryTable {
  id: Identity;
  site_id: string;
  study_id: string;
  response_id: number;
  item: string;
  status: Defaulted<QueryStatus>;
  text: string;
  answer: string | null;
  raised_by: string;
  raised_at: TimestampDefault;
  answered_by: string | null;
  answered_at: NullableTimestamp;
  closed_by: string | null;
  closed_at: NullableTimestamp;
  /** A user of the subject's site the query is assigned to; null: the site's staff (0005). */
  assigned_to: ColumnType<string | null, string | null | undefined, string | null>;
}

export const QUERY_MESSAGE_KIND_VALUES = ['raise', 'answer', 'close', 'reopen'] as const;
export type QueryMessageKind = (typeof QUERY_MESSAGE_KIND_VALUES)[number];

/** One message of a query's thread (0005-clinical-workflow); never deleted. */
export interface QueryMessageTable {
  id: Identity;
  query_id: number;
  site_id: string;
  study_id: string;
  kind: QueryMessageKind;
  author: string;
  at: Timestamp;
  text: string;
  /** An answer by amendment: the response version the amendment made. */
  response_version: number | null;
}

/** An investigator's signature of one form, bound to a sha256 of the signed version (0005). */
export interface SignatureTable {
  id: Identity;
  site_id: string;
  study_id: string;
  response_id: number;
  response_version: number;
  content_sha256: string;
  signed_by: string;
  signer_role: string;
  meaning: string;
  signed_at: Timestamp;
  scope: 'form' | 'visit';
  void_at: NullableTimestamp;
  void_by: string | null;
  void_reason: string | null;
}

/** Source data verification of a form (item null) or one item, at a version (0005). */
export interface SdvTable {
  id: Identity;
  site_id: string;
  study_id: string;
  response_id: number;
  item: string | null;
  response_version: number;
  verified_by: string;
  verified_at: Timestamp;
  stale_at: NullableTimestamp;
  stale_reason: string | null;
}

export interface AuditEventTable {
  id: Identity;
  at: Timestamp;
  actor: string;
  action: string;
  site_id: string | null;
  entity: string;
  entity_id: string;
  before: NullableJsonb;
  after: NullableJsonb;
  reason: string | null;
  prev_hash: string;
  hash: string;
  /** sha256 of the rows the event's transaction changed (audit_row), in the hash; null: none. */
  rows_digest: ColumnType<string | null, string | null | undefined, never>;
}

/** One changed row of a patient table, recorded under the event of its transaction. Append-only. */
export interface AuditRowTable {
  event_id: number;
  /** Table name (a key of AUDITED_TABLES in audit.ts). */
  tbl: string;
  /** The row's key as text. */
  key: string;
  /** sha256 of the row's canonical content (audit_row_hash in SQL); null: the row was deleted. */
  hash: string | null;
}

/** Rows changed by transactions still in progress, queued by the audit triggers. */
export interface AuditPendingTable {
  id: Identity;
  txid: Defaulted<number>;
  tbl: string;
  keys: string[];
  hashes: (string | null)[];
}

/**
 * A subject's progress, derived by triggers from response and visit (0006-subject-progress): the
 * visits seen by their forms, those with forms not signed or not locked, the dates of visits recorded
 * done, the visits recorded missed. Read only.
 */
export interface SubjectProgressTable {
  study_id: string;
  site_id: string;
  seen: ColumnType<string[], never, never>;
  /** Visits with an entered form not signed, and not locked. */
  unsigned: ColumnType<string[], never, never>;
  unlocked: ColumnType<string[], never, never>;
  visit_dates: ColumnType<Record<string, string>, never, never>;
  missed: ColumnType<string[], never, never>;
}

/** The registry's tables as Kysely sees them; column names are the SQL names. */
export interface Database {
  site: SiteTable;
  site_sequence: SiteSequenceTable;
  app_user: AppUserTable;
  subject: SubjectTable;
  subject_identity: SubjectIdentityTable;
  subject_progress: SubjectProgressTable;
  response: ResponseTable;
  query: QueryTable;
  query_message: QueryMessageTable;
  signature: SignatureTable;
  sdv: SdvTable;
  visit: VisitTable;
  audit_event: AuditEventTable;
  audit_row: AuditRowTable;
  audit_pending: AuditPendingTable;
  user_site: UserSiteTable;
  web_session: WebSessionTable;
  login_failure: LoginFailureTable;
  job: JobTable;
  epro_message: EproMessageTable;
  site_text: SiteTextTable;
}

/** A unit of background work (0013, src/registry/jobs.ts); `key` makes it unique. */
export interface JobTable {
  id: Identity;
  kind: string;
  key: string;
  payload: ColumnType<unknown, string | undefined, string>;
  run_at: Timestamp;
  claimed_by: string | null;
  claimed_at: NullableTimestamp;
  done_at: NullableTimestamp;
  attempts: Defaulted<number>;
  last_error: string | null;
}

/** The ePRO send log (0013): one row per subject x visit x message. */
export interface EproMessageTable {
  id: Identity;
  key: string;
  job_id: number | null;
  site_id: string;
  study_id: string;
  visit: string;
  kind: 'invitation' | 'reminder';
  seq: Defaulted<number>;
  outcome: 'sent' | 'outbox' | 'sent_by_hand' | 'skipped' | 'bounced' | 'failed';
  reason: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
}
