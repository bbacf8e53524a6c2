import type { Context } from 'hono';
import type { StudyReport } from '../../analysis/study/types.js';
import { exportTidy, studyReport } from '../../registry/index.js';
import { scopeFor } from '../../registry/scope.js';
import { ReportsPage } from '../../web/reports/reports-page.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';

/** Roles the study report is for: the one scope table (registry/scope.ts) gives them every site. */
const REPORT_ROLES = ['monitor', 'statistician'] as const;
/** Site staff take their own site's tidy export. */
const EXPORT_ROLES = ['coordinator', 'investigator'] as const;
/** The de-identified export: statisticians and monitors across sites, site staff for their own site. */
const DEIDENTIFIED_ROLES = [...REPORT_ROLES, ...EXPORT_ROLES] as const;

const FORMATS = {
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
  json: 'application/json; charset=utf-8',
} as const;
type Format = keyof typeof FORMATS;

/** `attachment; filename="…"` for a download named by what it is and the day it was made. */
function attachment(name: string, ext: string, day: string): string {
  return `attachment; filename="${name}-${day}.${ext}"`;
}

/**
 * A download streamed as the use case writes it. The answer starts only once the use case has
 * written its first chunk, so a refusal (scope, validation) before it becomes an error page; a
 * failure after it ends the stream, and the use case's transaction (and its audit event) with it.
 */
export async function streamed(
  deps: AppDeps,
  c: Context<AppEnv>,
  headers: Record<string, string>,
  run: (write: (chunk: string) => Promise<void>) => Promise<unknown>,
): Promise<Response> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  let started: () => void = () => {};
  const first = new Promise<void>((resolve) => {
    started = resolve;
  });
  const done = run(async (chunk) => {
    started();
    await writer.write(encoder.encode(chunk));
  }).then(
    () => writer.close(),
    (error: unknown) => {
      writer.abort(error).catch(() => {});
      throw error;
    },
  );
  // Before the first chunk, a failure is the handler's (an error page); after it, the log's.
  await Promise.race([first, done]);
  done.catch((error: unknown) => {
    deps.log(
      `request ${c.get('requestId')} ${c.req.method} ${c.req.routePath}: download ended early: ${(error as Error).message}`,
    );
  });
  return new Response(readable, { status: 200, headers: { ...headers, 'cache-control': 'no-store' } });
}

/** The reports page, the study report (HTML, PDF, JSON) and the site's tidy export (docs/web.md). */
export function reportRoutes(routes: RouteTable, deps: AppDeps): void {
  const today = () => deps.registry.clock().toISOString().slice(0, 10);

  routes.get('/reports', [...REPORT_ROLES, ...EXPORT_ROLES], (c) => {
    const actor = userOf(c).actor;
    const report = scopeFor(actor, 'report.generate').kind === 'all';
    const tidy =
      (EXPORT_ROLES as readonly string[]).includes(actor.role) &&
      scopeFor(actor, 'data.read').kind === 'sites';
    const scope = scopeFor(actor, 'data.export_deidentified');
    const deidentified = scope.kind === 'all' ? 'all sites' : scope.kind === 'sites' ? actor.siteId : null;
    return renderPage(
      c,
      'Reports and exports',
      <ReportsPage studyReport={report} tidySite={tidy ? actor.siteId : null} deidentified={deidentified} />,
    );
  });

  for (const format of Object.keys(FORMATS) as Format[]) {
    routes.get(`/reports/study.${format}`, REPORT_ROLES, async (c) => {
      const render = async (r: StudyReport): Promise<string | Uint8Array> => {
        if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
        // Loaded on demand, as the CLI does: the charts and the PDF printer are needed only here.
        const { renderReportHtml } = await import('../../reports/render-html.js');
        if (format === 'html') return renderReportHtml(r);
        const { renderReportPdf } = await import('../../reports/render-pdf.js');
        return new Uint8Array(await renderReportPdf(renderReportHtml(r)));
      };
      // The use case checks the scope, runs the analysis, renders and records the audit event.
      const { body } = await studyReport(deps.registry, userOf(c).actor, format, render);
      // A download, never shown here: the report HTML carries its own inline styles, which this
      // app's CSP refuses; saved, it is one self-contained file.
      return c.body(body as string, 200, {
        'content-type': FORMATS[format],
        'content-disposition': attachment('study-report', format, today()),
      });
    });
  }

  routes.get('/exports/tidy.csv', EXPORT_ROLES, (c) => {
    const actor = userOf(c).actor;
    return streamed(
      deps,
      c,
      {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': attachment(`tidy-${actor.siteId ?? 'export'}`, 'csv', today()),
      },
      (write) => exportTidy(deps.registry, actor, write),
    );
  });

  routes.get('/exports/deidentified.csv', DEIDENTIFIED_ROLES, (c) => {
    const actor = userOf(c).actor;
    const all = scopeFor(actor, 'data.export_deidentified').kind === 'all';
    return streamed(
      deps,
      c,
      {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': attachment(
          `deidentified-${all ? 'all-sites' : (actor.siteId ?? 'export')}`,
          'csv',
          today(),
        ),
      },
      (write) => exportTidy(deps.registry, actor, write, undefined, { deidentify: true }),
    );
  });
}
