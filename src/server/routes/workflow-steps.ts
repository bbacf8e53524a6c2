import type { Context } from 'hono';
import { ERROR_CODES, RegistryError } from '../../errors.js';
import type { Actor } from '../../registry/index.js';
import { formIssues } from '../../web/admin/form.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf } from '../render.js';
import { userOf } from '../router.js';

/*
 * What the clinical workflow's pages share (review.tsx, batch-review.tsx, query-routes.tsx,
 * audit-routes.tsx): who may see them, the refusals a page shows in place, and the form's values.
 */

export const READERS = ['coordinator', 'investigator', 'monitor'] as const;
export const SITE_STAFF = ['coordinator', 'investigator'] as const;
export const MONITOR = ['monitor'] as const;
export const INVESTIGATOR = ['investigator'] as const;
export const AUDITORS = ['admin', 'monitor'] as const;

export type Ctx = Context<AppEnv>;
export type FormValues = Record<string, string | string[]>;
export type Failed = {
  form: string;
  issues: ReturnType<typeof formIssues>;
  values: Record<string, string>;
} | null;

/** Refusals a workflow page shows in place; anything else goes to the app's error page. */
const SHOWN = new Set([
  'VALIDATION_FAILED',
  'PASSWORD_INCORRECT',
  'REASON_REQUIRED',
  'QUERY_OPEN',
  'VERSION_CONFLICT',
  'INVALID_STATE',
  'RESPONSE_LOCKED',
  'UNKNOWN_VISIT',
]);

/** Runs a step; a refusal the page shows comes back as the error, anything else is thrown. */
export async function attempt(step: () => Promise<unknown>): Promise<RegistryError | null> {
  try {
    await step();
    return null;
  } catch (error) {
    if (error instanceof RegistryError && SHOWN.has(error.code)) return error;
    throw error;
  }
}

/**
 * How a page shows a refusal of one of its forms: each issue on a field of the form beside that
 * field, else the message as one sentence; 409 for a conflict (ERROR_CODES), else 422.
 * @param values - what the form sent, shown again (never the password)
 */
export function refusal(
  error: RegistryError,
  form: string,
  fields: readonly string[],
  values: Record<string, string> = {},
) {
  const issues = error.issues.filter((i) => fields.includes(String(i.path[0])));
  const status: 409 | 422 = ERROR_CODES[error.code] === 409 ? 409 : 422;
  return {
    failed: { form, issues: formIssues(issues, fields), values },
    problem: issues.length > 0 ? null : error.message,
    status,
  };
}

export const intOf = (text: string) => (/^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : Number.NaN);

/** The form's `version` field as a number (NaN when it is not one, which the use case refuses). */
export const versionOf = (values: FormValues) => intOf(field(values, 'version'));

/** A field sent zero, one or many times, as a list. */
export const list = (values: FormValues, name: string): string[] => {
  const v = values[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** The id of the URL as a number, or "not found" (an id that cannot exist names no record). */
export function idParam(c: Ctx, name: string, code: 'RESPONSE_NOT_FOUND' | 'QUERY_NOT_FOUND'): number {
  const id = intOf(c.req.param(name) ?? '');
  if (!Number.isSafeInteger(id)) {
    throw new RegistryError(
      code,
      `${code === 'QUERY_NOT_FOUND' ? 'query' : 'response'} ${c.req.param(name)} not found`,
    );
  }
  return id;
}

/** The study definition's visit labels by code, for pages that name a visit. */
export const visitLabelsOf = (deps: AppDeps) =>
  new Map(deps.registry.protocol.visits.map((v) => [v.code, v.label]));

/** What a record's page shows beside the record: a refused form, a problem, a notice, its status. */
export interface PageExtra {
  failed?: Failed;
  problem?: string | null;
  notice?: string | null;
  status?: 200 | 409 | 422;
}

/** A record's page that steps are posted from (a form's review, a query). */
export interface RecordPage {
  param: 'responseId' | 'queryId';
  notFound: 'RESPONSE_NOT_FOUND' | 'QUERY_NOT_FOUND';
  /** Reads the record as the actor may see it; throws "not found" otherwise. */
  read: (actor: Actor, id: number) => Promise<unknown>;
  render: (c: Ctx, id: number, extra: PageExtra) => Promise<Response>;
  url: (id: number) => string;
  /** Fields the use case names otherwise than the page's form (use case's name → the page's). */
  fieldOf?: Readonly<Record<string, string>>;
}

/**
 * A step posted from a record's page: the record must be readable first (else "not found"), then
 * the use case decides. A refusal the page shows is rendered there again with what was sent (never a
 * password), each issue beside its field; success goes back to the page with its notice.
 */
export function recordStep(
  page: RecordPage,
  form: string,
  fields: readonly string[],
  done: string,
  run: (actor: Actor, id: number, values: FormValues) => Promise<unknown>,
) {
  return async (c: Ctx) => {
    const actor = userOf(c).actor;
    const id = idParam(c, page.param, page.notFound);
    await page.read(actor, id);
    const values = await formOf(c);
    const error = await attempt(() => run(actor, id, values));
    if (!error) return c.redirect(`${page.url(id)}?done=${done}`, 303);
    const rename = page.fieldOf ?? {};
    const issues = error.issues.map((i) => {
      const shownAs = rename[String(i.path[0])];
      return shownAs ? { ...i, path: [shownAs] } : i;
    });
    const kept = Object.fromEntries(fields.filter((f) => f !== 'password').map((f) => [f, field(values, f)]));
    return page.render(
      c,
      id,
      refusal(new RegistryError(error.code, error.message, issues), form, fields, kept),
    );
  };
}
