import { createHmac } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { RegistryError } from '../errors.js';
import { appliedMigrations, MIGRATIONS, migrateToLatest } from './migrate.js';
import { createKysely, redactSecrets } from './pg-connection.js';
import type { Database } from './schema.js';

/*
 * Least privilege (docs/database.md, "Roles"). Migrations run as the owner of the tables; the
 * registry's queries run as an application role that may read and write patient tables but only
 * SELECT and INSERT on the audit tables, and, not being their owner, can neither ALTER nor disable
 * their triggers. Either the operator names both roles (DATABASE_URL = application role,
 * DATABASE_OWNER_URL = owner), or the owner (embedded server; a DATABASE_URL role with CREATEROLE)
 * creates `<owner>_app` itself, with a password derived from its own.
 */

export interface LeastPrivilegeOptions {
  /** The owner's URL when `url` is already the application role's (DATABASE_OWNER_URL). */
  ownerUrl?: string | undefined;
  log?: ((line: string) => void) | undefined;
}

/** Tables the application role may read and append to, never change. */
const APPEND_ONLY = ['audit_event', 'audit_row'];
/** Kysely's bookkeeping: read-only for the application. */
const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock'];
/** Serialises concurrent GRANTs from processes opening the same database ("tuple concurrently updated"). */
const GRANT_LOCK = 5_349_465_202;

/** The application role an owner creates for itself. */
export function appRoleName(owner: string): string {
  return `${owner.slice(0, 59)}_app`;
}

/**
 * The application role's password: HMAC of the owner's, so every process that can log in as the
 * owner finds it without another secret file, and the application's password reveals nothing
 * about the owner's.
 */
export function appRolePassword(ownerPassword: string, role: string): string {
  return createHmac('sha256', ownerPassword).update(`sifreg application role ${role}`).digest('base64url');
}

/**
 * The application role's URL for an owner's URL (same server and database): pure, so a process
 * that reconnects (a restarted embedded server on a new port) finds it again. Null when the URL
 * has no user or password to derive it from.
 */
export function appRoleUrl(ownerUrl: string): string | null {
  const u = new URL(ownerUrl);
  const owner = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  if (!owner || !password) return null;
  const role = appRoleName(owner);
  u.username = encodeURIComponent(role);
  u.password = encodeURIComponent(appRolePassword(password, role));
  return u.toString();
}

/**
 * Brings the schema up to date as the owner and returns the URL the registry's queries should use:
 * the application role's when the split is possible, else `url` itself (logged; docs/database.md).
 * @param db - a connection to `url`
 */
export async function migrateWithLeastPrivilege(
  db: Kysely<Database>,
  url: string,
  o: LeastPrivilegeOptions = {},
): Promise<string> {
  const log = o.log ?? (() => {});
  if (o.ownerUrl) {
    const owner = createKysely(o.ownerUrl, { max: 1 });
    try {
      await migrateToLatest(owner as Kysely<unknown>);
      const role = (await sql<{ r: string }>`select current_user as r`.execute(db)).rows[0]!.r;
      await grantAppRole(owner, role);
    } catch (error) {
      if (error instanceof RegistryError) throw error;
      throw new RegistryError(
        'DATABASE_UNAVAILABLE',
        `DATABASE_OWNER_URL: ${redactSecrets((error as Error).message)}`,
      );
    } finally {
      await owner.destroy();
    }
    return url;
  }
  if (await ownedByAnother(db)) {
    // Already the application role (DATABASE_URL without DATABASE_OWNER_URL): it runs, but cannot migrate.
    const applied = new Set(await appliedMigrations(db as Kysely<unknown>));
    const pending = Object.keys(MIGRATIONS).filter((name) => !applied.has(name));
    if (pending.length > 0) {
      throw new RegistryError(
        'DATABASE_UNAVAILABLE',
        `the database needs migrations ${pending.join(', ')}, and this role does not own its tables: set DATABASE_OWNER_URL to the owner's URL once (docs/database.md)`,
      );
    }
    return url;
  }
  await migrateToLatest(db as Kysely<unknown>);
  const appUrl = appRoleUrl(url);
  if (!appUrl) {
    log('running as the table owner: the URL carries no password to derive the application role from');
    return url;
  }
  const app = new URL(appUrl);
  const role = decodeURIComponent(app.username);
  const password = decodeURIComponent(app.password);
  try {
    await ensureRole(db, role, password);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    log(
      `running as the table owner: this role may not create role ${role} (grant it CREATEROLE, or set DATABASE_OWNER_URL; see docs/database.md)`,
    );
    return url;
  }
  await grantAppRole(db, role);
  await grantReadSettings(db, role);
  if (!(await canLogIn(appUrl))) {
    // The role predates the owner's current password: set the derived one again.
    await sql`alter role ${sql.id(role)} password ${sql.lit(password)}`.execute(db);
  }
  return appUrl;
}

async function canLogIn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '28P01') return false;
    throw new RegistryError(
      'DATABASE_UNAVAILABLE',
      `cannot log in as the application role: ${redactSecrets((error as Error).message)}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Lets the application read server settings (fsync, listen_addresses: health and diagnostics),
 * where the owner may grant that; read-only, so nothing is lost where it may not.
 */
async function grantReadSettings(db: Kysely<Database>, role: string): Promise<void> {
  const { rows } = await sql<{ member: boolean }>`
    select pg_has_role(${role}, 'pg_read_all_settings', 'member') as member`.execute(db);
  if (rows[0]?.member) return;
  await sql`grant pg_read_all_settings to ${sql.id(role)}`.execute(db).catch((error: { code?: string }) => {
    if (error.code !== '42501' && error.code !== '0LP01') throw error;
  });
}

/** True when the registry's tables exist and belong to a role this one is not (nor a member of). */
async function ownedByAnother(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ other: boolean | null }>`
    select not pg_has_role(current_user, c.relowner, 'USAGE') as other
    from pg_class c where c.oid = to_regclass('audit_event')`.execute(db);
  return rows[0]?.other === true;
}

/** Creates the login role unless it exists (another database or process may create it at once). */
async function ensureRole(db: Kysely<Database>, role: string, password: string): Promise<void> {
  const exists = await sql`select from pg_roles where rolname = ${role}`.execute(db);
  if (exists.rows.length === 0) {
    try {
      await sql`create role ${sql.id(role)} login password ${sql.lit(password)}
        nosuperuser nocreatedb nocreaterole noreplication nobypassrls`.execute(db);
    } catch (error) {
      // 42710 duplicate_object, or 23505 when two sessions race on pg_authid's unique index.
      const code = (error as { code?: string }).code;
      if (code !== '42710' && code !== '23505') throw error;
    }
  }
  await ownerMayEndAppSessions(db, role);
}

/**
 * Makes the owner a member of the application role, so that it may end the application's sessions
 * (pg_terminate_backend, DROP DATABASE … WITH (FORCE)) as an administrator must: a role that is not
 * superuser may end only the sessions of roles whose privileges it has (PostgreSQL 15 does not make
 * the creator a member). Membership gives the owner nothing it lacks; the application gains nothing.
 */
async function ownerMayEndAppSessions(db: Kysely<Database>, role: string): Promise<void> {
  const { rows } = await sql<{ member: boolean }>`
    select pg_has_role(current_user, ${role}, 'USAGE') as member`.execute(db);
  if (rows[0]?.member) return;
  await sql`grant ${sql.id(role)} to current_user`.execute(db).catch((error: { code?: string }) => {
    // 42501: this owner did not create the role and has no admin option on it; 0LP01: circular.
    if (error.code !== '42501' && error.code !== '0LP01') throw error;
  });
}

/**
 * Gives `role` what the registry needs on every table of the schema (tables added by later
 * migrations included): SELECT, INSERT, UPDATE, DELETE, but only SELECT and INSERT on the audit
 * tables and only SELECT on the migration tables. Idempotent; skipped when already in place.
 */
export async function grantAppRole(owner: Kysely<Database>, role: string): Promise<void> {
  await owner.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(GRANT_LOCK)}::bigint)`.execute(trx);
    const { rows } = await sql<{ todo: number | string }>`
      select count(*) filter (where not has_table_privilege(${role}, c.oid, 'SELECT, INSERT')
               and c.relname <> all (${MIGRATION_TABLES}::text[]))
           + count(*) filter (where c.relname = any (${APPEND_ONLY}::text[])
               and has_table_privilege(${role}, c.oid, 'UPDATE, DELETE, TRUNCATE')) as todo
      from pg_class c
      where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')`.execute(trx);
    if (Number(rows[0]?.todo ?? 1) === 0) return;
    const schema = sql.id((await sql<{ s: string }>`select current_schema() as s`.execute(trx)).rows[0]!.s);
    const r = sql.id(role);
    await sql`grant usage on schema ${schema} to ${r}`.execute(trx);
    await sql`grant select, insert, update, delete on all tables in schema ${schema} to ${r}`.execute(trx);
    await sql`grant usage, select, update on all sequences in schema ${schema} to ${r}`.execute(trx);
    await sql`revoke update, delete, truncate on ${sql.join(APPEND_ONLY.map((t) => sql.table(t)))} from ${r}`.execute(
      trx,
    );
    const present = await sql<{ t: string }>`
      select relname as t from pg_class
      where relnamespace = current_schema()::regnamespace and relname = any (${MIGRATION_TABLES}::text[])`.execute(
      trx,
    );
    if (present.rows.length > 0) {
      await sql`revoke insert, update, delete, truncate on ${sql.join(present.rows.map((p) => sql.table(p.t)))} from ${r}`.execute(
        trx,
      );
    }
  });
}
