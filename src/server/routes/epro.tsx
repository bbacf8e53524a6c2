import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { RegistryError } from '../../errors.js';
import { getInstrument, type InstrumentDef, unstorableText } from '../../instruments/index.js';
import {
  ANALGESIC_PAGE,
  endPatientSession,
  loadPatientSession,
  openLink,
  PATIENT_IDLE_MS,
  type PatientSession,
  PROBLEMS_PAGE,
  patientPages,
  tokenLogId,
} from '../../registry/epro-links.js';
import { loadDrafts, saveDraft, savedPages, submitLink } from '../../registry/epro-submit.js';
import { checkYear } from '../../registry/epro-year.js';
import { checkAnswers } from '../../registry/protocol-rules.js';
import type { EproMessages } from '../../web/epro/messages/en.js';
import { messagesFor, patientMessages, questionLabel } from '../../web/epro/messages.js';
import { EPRO_CSS, MessagePage, OverviewPage, QuestionPage, YearPage } from '../../web/epro/pages.js';
import { valuesFromForm } from '../../web/forms/form-values.js';
import { clientIp, secureContext } from '../client.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf } from '../render.js';
import type { RouteTable } from '../router.js';
import { eproAnalgesicRoutes } from './epro-analgesics.js';

/*
 * The patient's ePRO pages (docs/epro.md). Public routes: the staff session plays no part; the patient
 * session cookie (separate from the staff one) is the guard. The token appears only in GET /p/:token,
 * which exchanges it for the cookie and redirects (303) to token-free pages. Every answer carries
 * Cache-Control: no-store and Referrer-Policy: no-referrer (app.tsx, for every page). Log lines name a
 * link by the first 8 hex digits of its token's hash, never by the token.
 */

type PatientStatus = 200 | 400 | 401 | 404 | 409 | 410 | 422 | 429;

/**
 * The label of the first question whose answer the registry's rule refuses (a value no choice on the
 * page offers, a date that is not real or after today), or null when every given answer is valid.
 * A page holds its whole instrument, so its rules apply in full; unanswered questions are not
 * counted here (the page asks for them in its own words).
 */
function refusedQuestion(
  deps: AppDeps,
  m: EproMessages,
  def: InstrumentDef,
  answers: Record<string, unknown>,
): string | null {
  try {
    checkAnswers(deps.registry.protocol, def, answers, false, undefined, deps.registry.clock());
    return null;
  } catch (error) {
    if (!(error instanceof RegistryError)) throw error;
    const issue = error.issues.find((i) => i.code !== 'required');
    if (!issue) return null;
    const id = String(issue.path[0] ?? '');
    // Named as the page names it, in the page's language: an ODI section by its title, a satisfaction
    // question by its catalog text, pain by its page.
    const shown = def.id === 'pain' ? m.pageTitles.pain : questionLabel(m, def, id);
    return shown ?? def.items.find((i) => i.id === id)?.label ?? def.title;
  }
}

function cookieName(c: Context<AppEnv>, deps: AppDeps): string {
  return secureContext(c, deps) ? '__Host-sifreg-epro' : 'sifreg-epro';
}

async function html(
  c: Context<AppEnv>,
  page: { toString(): string | Promise<string> },
  status: PatientStatus = 200,
) {
  return c.html(`<!DOCTYPE html>${await page.toString()}`, status);
}

export function eproRoutes(routes: RouteTable, deps: AppDeps): void {
  const reg = deps.registry;
  // Pages before a session (a token that does not work) are in English; a session's pages, and a
  // valid link's refusals, are in its site's language with the texts the site installed (site-text.ts).
  const m = messagesFor('en');
  const messagesOf = (s: PatientSession | null) => (s ? patientMessages(s.texts) : m);
  const odiWordingOf = (s: PatientSession) =>
    (s.texts.odi ?? undefined) as Record<string, readonly string[]> | undefined;

  const session = async (c: Context<AppEnv>): Promise<PatientSession | null> => {
    const token = getCookie(c, cookieName(c, deps));
    return token ? loadPatientSession(reg, token) : null;
  };

  /** The page for a session that cannot answer (none, closed, submitted, year not given); null if it can. */
  const refuse = async (c: Context<AppEnv>, s: PatientSession | null): Promise<Response | null> => {
    const m = messagesOf(s);
    if (!s) return html(c, <MessagePage m={m} title={m.endedTitle} text={m.endedText} />, 401);
    if (s.submitted) return c.redirect('/p/done', 303);
    if (s.closed === 'revoked')
      return html(c, <MessagePage m={m} title={m.revokedTitle} text={m.revokedText} />, 410);
    if (s.closed === 'locked')
      return html(c, <MessagePage m={m} title={m.yearTitle} text={m.yearLocked} />, 410);
    if (s.closed === 'expired')
      return html(c, <MessagePage m={m} title={m.expiredTitle} text={m.expiredText} />, 410);
    if (s.needsYear) return c.redirect('/p/year', 303);
    return null;
  };

  // Before /p/form/:page: the analgesics page and its steps (epro-analgesics.tsx).
  eproAnalgesicRoutes(routes, deps, { messages: messagesOf, session, refuse, html });

  routes.get('/static/epro.css', 'public', (c) =>
    c.body(EPRO_CSS, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=300',
    }),
  );

  routes.get('/p/form', 'public', async (c) => {
    const s = await session(c);
    const refused = await refuse(c, s);
    if (refused || !s) return refused;
    const pages = patientPages(reg, s.visit);
    const saved = savedPages(await loadDrafts(reg, s));
    return html(c, <OverviewPage m={messagesOf(s)} pages={pages} saved={saved} />);
  });

  /** The questionnaire page the URL names in the session's visit, and how to show it; null: none such. */
  const pageOf = (c: Context<AppEnv>, s: NonNullable<Awaited<ReturnType<typeof session>>>) => {
    const pages = patientPages(reg, s.visit);
    const page = c.req.param('page') ?? '';
    const index = pages.indexOf(page);
    if (index < 0) return null;
    const m = messagesOf(s);
    const show = (def: InstrumentDef | null, values: Record<string, unknown>, error?: string) => (
      <QuestionPage
        m={m}
        page={page}
        index={index}
        total={pages.length}
        def={def}
        values={values}
        last={index === pages.length - 1}
        odiWording={def ? odiWordingOf(s) : undefined}
        error={error}
      />
    );
    return { page, next: pages[index + 1], m, show };
  };
  const unknownPage = (c: Context<AppEnv>, m: EproMessages) =>
    html(c, <MessagePage m={m} title={m.unknownTitle} text={m.unknownText} />, 404);

  routes.get('/p/form/:page', 'public', async (c) => {
    const s = await session(c);
    const refused = await refuse(c, s);
    if (refused || !s) return refused;
    const at = pageOf(c, s);
    if (!at) return unknownPage(c, messagesOf(s));
    const drafts = await loadDrafts(reg, s);
    const def = at.page === PROBLEMS_PAGE || at.page === ANALGESIC_PAGE ? null : getInstrument(at.page);
    return html(c, at.show(def, drafts[at.page] ?? {}));
  });

  routes.post('/p/form/:page', 'public', async (c) => {
    const s = await session(c);
    const refused = await refuse(c, s);
    if (refused || !s) return refused;
    const at = pageOf(c, s);
    if (!at) return unknownPage(c, messagesOf(s));
    const { page, m } = at;
    const form = await formOf(c);
    let answers: Record<string, unknown>;
    // The analgesics page has routes of its own (epro-analgesics.tsx), registered first.
    if (page === PROBLEMS_PAGE) {
      const any = field(form, 'any');
      answers =
        any === 'yes' || any === 'no' ? { any, description: field(form, 'description').slice(0, 2000) } : {};
      if (unstorableText(field(form, 'description'))) {
        return html(c, at.show(null, { any }, m.textUnreadable), 422);
      }
    } else {
      const def = getInstrument(page);
      answers = valuesFromForm(def, form).answers;
      const refused = refusedQuestion(deps, m, def, answers);
      if (refused !== null || def.items.some((i) => i.required && answers[i.id] === undefined)) {
        return html(c, at.show(def, answers, refused === null ? m.choose : m.notAnOption(refused)), 422);
      }
    }
    await saveDraft(reg, s, page, answers);
    return c.redirect(at.next ? `/p/form/${at.next}` : '/p/form', 303);
  });

  routes.post('/p/submit', 'public', async (c) => {
    const s = await session(c);
    const refused = await refuse(c, s);
    if (refused || !s) return refused;
    try {
      await submitLink(reg, s);
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      // One clear line to the patient; the site sees the saved pages and the reason in the log.
      deps.log(`epro link ${s.linkId} submit refused: ${error.code}`);
      // Never the use case's message: it may name the study id.
      const m = messagesOf(s);
      return html(c, <MessagePage m={m} title={m.submitFailedTitle} text={m.submitFailedText} />, 422);
    }
    return c.redirect('/p/done', 303);
  });

  routes.get('/p/done', 'public', async (c) => {
    const s = await session(c);
    if (!s) return html(c, <MessagePage m={m} title={m.endedTitle} text={m.endedText} />, 401);
    if (!s.submitted) return c.redirect('/p/form', 303);
    const done = messagesOf(s);
    return html(c, <MessagePage m={done} title={done.doneTitle} text={done.doneText} />);
  });

  routes.get('/p/year', 'public', async (c) => {
    const s = await session(c);
    if (!s?.needsYear || s.closed || s.submitted) return c.redirect('/p/form', 303);
    return html(c, <YearPage m={messagesOf(s)} />);
  });

  routes.post('/p/year', 'public', async (c) => {
    const s = await session(c);
    if (!s?.needsYear || s.closed || s.submitted) return c.redirect('/p/form', 303);
    const result = await checkYear(reg, s, field(await formOf(c), 'year'));
    if (result === 'ok') return c.redirect('/p/form', 303);
    const m = messagesOf(s);
    if (result === 'locked')
      return html(c, <MessagePage m={m} title={m.yearTitle} text={m.yearLocked} />, 410);
    return html(c, <YearPage m={m} error={m.yearWrong} />, 422);
  });

  // Last: /p/form, /p/done and /p/year above are not tokens.
  routes.get('/p/:token', 'public', async (c) => {
    const token = c.req.param('token') ?? '';
    const result = await openLink(reg, token, clientIp(c));
    deps.log(`epro link ${tokenLogId(token)}: ${result.kind}`);
    // A valid token that cannot open says so in its site's language; a bad one names no site.
    const m = 'texts' in result ? patientMessages(result.texts) : messagesOf(null);
    switch (result.kind) {
      case 'opened': {
        const secure = secureContext(c, deps);
        setCookie(c, cookieName(c, deps), result.session, {
          path: '/',
          httpOnly: true,
          sameSite: 'Lax',
          secure,
          maxAge: Math.floor(PATIENT_IDLE_MS / 1000) * 4,
        });
        return c.redirect('/p/form', 303);
      }
      case 'limited':
        c.header('retry-after', '900');
        return html(c, <MessagePage m={m} title={m.limitedTitle} text={m.limitedText} />, 429);
      case 'unknown':
        return html(c, <MessagePage m={m} title={m.unknownTitle} text={m.unknownText} />, 404);
      case 'revoked':
        return html(c, <MessagePage m={m} title={m.revokedTitle} text={m.revokedText} />, 410);
      case 'expired':
        return html(c, <MessagePage m={m} title={m.expiredTitle} text={m.expiredText} />, 410);
      case 'locked':
        return html(c, <MessagePage m={m} title={m.yearTitle} text={m.yearLocked} />, 410);
      case 'not_yet':
        return html(
          c,
          <MessagePage
            m={m}
            title={m.notYetTitle}
            text={m.notYetText(result.from.toISOString().slice(0, 10))}
          />,
          409,
        );
    }
  });

  /** Ends the patient session on the server and forgets its cookie. */
  routes.post('/p/leave', 'public', async (c) => {
    const token = getCookie(c, cookieName(c, deps));
    const ml = messagesOf(await session(c));
    if (token) await endPatientSession(reg, token);
    deleteCookie(c, cookieName(c, deps), { path: '/', secure: secureContext(c, deps) });
    return html(c, <MessagePage m={ml} title={ml.endedTitle} text={ml.endedText} />);
  });
}
