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
  created_at: TimestampDefault;
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

/** The registry's tables as Kysely sees them; column names are the SQL names. */
export interface Database {
  site: SiteTable;
  site_sequence: SiteSequenceTable;
  app_user: AppUserTable;
  subject: SubjectTable;
  subject_identity: SubjectIdentityTable;
  response: ResponseTable;
  query: QueryTable;
  visit: VisitTable;
  audit_event: AuditEventTable;
  audit_row: AuditRowTable;
  audit_pending: AuditPendingTable;
}
