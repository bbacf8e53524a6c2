import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { RegistryError } from '../errors.js';
import { Layout } from '../web/layout.js';
import type { AppEnv } from './env.js';

type Status = 200 | 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503;

/**
 * Renders a page inside the layout: `<!DOCTYPE html>`, the user's navigation and site switcher, and
 * the response's CSP nonce. Pages with patient data are never cached (set for every page in app.tsx).
 */
export async function renderPage(
  c: Context<AppEnv>,
  title: string,
  body: Child,
  status: Status = 200,
): Promise<Response> {
  const page = (
    <Layout title={title} user={c.get('user')} nonce={c.get('secureHeadersNonce') ?? ''} path={c.req.path}>
      {body}
    </Layout>
  );
  return c.html(`<!DOCTYPE html>${await page.toString()}`, status);
}

/** A page that says what went wrong in one sentence (never an internal message). */
export function errorPage(c: Context<AppEnv>, status: Status, message: string, requestId?: string) {
  const titles: Record<number, string> = {
    400: 'Bad request',
    401: 'Sign in again',
    403: 'Not allowed',
    404: 'Not found',
    409: 'Conflict',
    413: 'Too large',
    422: 'Cannot be saved',
    429: 'Too many attempts',
    500: 'Something went wrong',
    503: 'Temporarily unavailable',
  };
  const title = titles[status] ?? 'Error';
  return renderPage(
    c,
    title,
    <section class="panel">
      <h1>{title}</h1>
      <p>{message}</p>
      {requestId ? (
        <p class="muted">
          Reference for your administrator: <code>{requestId}</code>
        </p>
      ) : null}
      {status === 401 ? (
        <p>
          <a href="/login">Sign in</a>
        </p>
      ) : (
        <p>
          <a href="/">Back to the start page</a>
        </p>
      )}
    </section>,
    status,
  );
}

/** The fields of a submitted form: each name to its value, or its values when it repeats. */
export async function formOf(c: Context<AppEnv>): Promise<Record<string, string | string[]>> {
  let body: Awaited<ReturnType<typeof c.req.parseBody>>;
  try {
    body = await c.req.parseBody({ all: true });
  } catch {
    // A broken multipart body (no closing boundary, a bad header) is the sender's mistake, not ours.
    throw new RegistryError(
      'VALIDATION_FAILED',
      'The form could not be read: its body is not a well-formed form. Reload the page and send it again.',
    );
  }
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(body)) {
    if (Array.isArray(value)) out[name] = value.filter((v): v is string => typeof v === 'string');
    else if (typeof value === 'string') out[name] = value;
  }
  return out;
}

/** One text field of a form ('' when absent or repeated). */
export function field(form: Record<string, string | string[]>, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value : '';
}

/** Inline JSON data safe inside a <script type="application/json"> element. */
export function jsonScript(value: unknown) {
  return raw(JSON.stringify(value).replace(/</g, '\\u003c'));
}
