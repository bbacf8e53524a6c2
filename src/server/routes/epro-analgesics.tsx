import type { Context } from 'hono';
import { unstorableText } from '../../instruments/index.js';
import { PATIENT_STRENGTHS, patientDrug } from '../../instruments/patient-drugs.js';
import {
  type AnalgesicAnswers,
  analgesicAnswers,
  type CarriedMedicine,
  carriedMedicines,
  perDayAnswer,
  stopDateIssues,
  strengthAnswer,
} from '../../registry/epro-analgesics.js';
import { ANALGESIC_PAGE, type PatientSession, patientPages } from '../../registry/epro-links.js';
import { loadDrafts, saveDraft } from '../../registry/epro-submit.js';
import { isRealDate } from '../../schedule/index.js';
import {
  AddMedicinePage,
  AnalgesicPage,
  MedicineDosePage,
  type PageErrors,
} from '../../web/epro/analgesic-page.js';
import type { EproMessages } from '../../web/epro/messages/en.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf } from '../render.js';
import type { RouteTable } from '../router.js';

/*
 * The patient's analgesics pages (docs/epro.md "Analgesics"): GET/POST /p/form/analgesic, and a new
 * medicine in two steps, /p/form/analgesic/add (the name) and /p/form/analgesic/add/<key> (strength,
 * how many a day). The page is saved as it is whenever the patient adds or removes a medicine, and
 * marked done only by "Save and continue" once every answer checks out.
 */

/** What eproRoutes shares with these routes: the patient's session, its refusals, the page writer. */
export interface PatientPageKit {
  /** The session's messages: its site's language and installed catalog. */
  messages(s: PatientSession): EproMessages;
  session(c: Context<AppEnv>): Promise<PatientSession | null>;
  refuse(c: Context<AppEnv>, s: PatientSession | null): Promise<Response | null>;
  html(
    c: Context<AppEnv>,
    page: { toString(): string | Promise<string> },
    status?: 200 | 404 | 422,
  ): Promise<Response>;
}

type Form = Record<string, string | string[]>;

/** The carried medicines' answers as the form gives them (kept as typed, checked on save). */
function carriedFromForm(form: Form, carried: readonly CarriedMedicine[]): AnalgesicAnswers['carried'] {
  const out: Record<string, unknown> = {};
  for (const c of carried) {
    const n = c.instance;
    const answer = field(form, `carried.${n}`);
    if (answer === 'same') out[n] = { answer };
    else if (answer === 'stopped') out[n] = { answer, stopDate: field(form, `stop.${n}`).trim() };
    else if (answer === 'changed') {
      out[n] = {
        answer,
        strength: strengthAnswer(field(form, `strength.${n}`), c.strengths),
        perDay: perDayAnswer(field(form, `perday.${n}`)),
      };
    }
  }
  return out as AnalgesicAnswers['carried'];
}

export function eproAnalgesicRoutes(routes: RouteTable, deps: AppDeps, kit: PatientPageKit): void {
  const reg = deps.registry;

  /** The session that may answer the analgesics page of its visit, or the refusal. */
  const open = async (c: Context<AppEnv>) => {
    const s = await kit.session(c);
    const refused = await kit.refuse(c, s);
    if (refused || !s) return { refused: refused ?? c.redirect('/p/form', 303) };
    const pages = patientPages(reg, s.visit);
    const index = pages.indexOf(ANALGESIC_PAGE);
    if (index < 0) return { refused: c.redirect('/p/form', 303) };
    const drafts = await loadDrafts(reg, s);
    return { s, m: kit.messages(s), pages, index, values: analgesicAnswers(drafts[ANALGESIC_PAGE]) };
  };

  const page = async (
    c: Context<AppEnv>,
    o: { s: PatientSession; m: EproMessages; pages: string[]; index: number; values: AnalgesicAnswers },
    errors?: PageErrors,
  ) => {
    const carried = await carriedMedicines(reg.db, reg, o.s.studyId, o.s.visit);
    return kit.html(
      c,
      <AnalgesicPage
        m={o.m}
        index={o.index}
        total={o.pages.length}
        last={o.index === o.pages.length - 1}
        carried={carried}
        values={o.values}
        errors={errors}
      />,
      errors ? 422 : 200,
    );
  };

  routes.get('/p/form/analgesic', 'public', async (c) => {
    const o = await open(c);
    if (o.refused) return o.refused;
    return page(c, o);
  });

  routes.post('/p/form/analgesic', 'public', async (c) => {
    const o = await open(c);
    if (o.refused) return o.refused;
    const { m } = o;
    const form = await formOf(c);
    const carried = await carriedMedicines(reg.db, reg, o.s.studyId, o.s.visit);
    const removed = field(form, 'remove');
    const values: AnalgesicAnswers = {
      carried: carriedFromForm(form, carried),
      added: o.values.added.filter((_, i) => String(i) !== removed),
      none: field(form, 'none') === 'yes',
      other: field(form, 'other').trim().slice(0, 1000),
      done: false,
    };
    const errors: PageErrors = {};
    if (unstorableText(values.other)) errors.other = m.textUnreadable;
    if (removed !== '' || field(form, 'action') === 'add') {
      if (errors.other) values.other = '';
      await saveDraft(reg, o.s, ANALGESIC_PAGE, { ...values });
      return c.redirect(removed !== '' ? '/p/form/analgesic' : '/p/form/analgesic/add', 303);
    }
    for (const med of carried) {
      const n = med.instance;
      const a = values.carried[String(n)];
      if (!a) errors[`carried-${n}`] = m.medsAnswerEach;
      else if (a.answer === 'stopped') {
        if (!isRealDate(a.stopDate)) errors[`stop-${n}`] = m.medsStopNeeded;
        else {
          // The rules the analgesic form is recorded with, asked before the patient sends anything.
          const issues = await stopDateIssues(reg, o.s.studyId, o.s.visit, med, a.stopDate);
          if (issues.length > 0)
            errors[`stop-${n}`] = issues.some((i) => i.code === 'in_future')
              ? m.medsStopLater
              : m.medsStopWrong;
        }
      } else if (
        a.answer === 'changed' &&
        (a.strength === null || (!med.patch && a.strength !== 'unsure' && a.perDay === null))
      ) {
        errors[`change-${n}`] = m.medsChangeNeeded;
      }
    }
    const taking =
      values.added.length > 0 || Object.values(values.carried).some((a) => a.answer !== 'stopped');
    if (values.none && taking) errors.none = m.medsNoneConflict;
    if (Object.keys(errors).length > 0) return page(c, { ...o, values }, errors);
    await saveDraft(reg, o.s, ANALGESIC_PAGE, { ...values, done: true });
    const next = o.pages[o.index + 1];
    return c.redirect(next ? `/p/form/${next}` : '/p/form', 303);
  });

  routes.get('/p/form/analgesic/add', 'public', async (c) => {
    const o = await open(c);
    if (o.refused) return o.refused;
    return kit.html(c, <AddMedicinePage m={o.m} />);
  });

  routes.post('/p/form/analgesic/add', 'public', async (c) => {
    const o = await open(c);
    if (o.refused) return o.refused;
    const key = field(await formOf(c), 'drug');
    if (!patientDrug(key)) return kit.html(c, <AddMedicinePage m={o.m} error={o.m.choose} />, 422);
    return c.redirect(`/p/form/analgesic/add/${encodeURIComponent(key)}`, 303);
  });

  routes.get('/p/form/analgesic/add/:key', 'public', async (c) => {
    const o = await open(c);
    if (o.refused) return o.refused;
    const key = c.req.param('key') ?? '';
    if (!patientDrug(key)) return c.redirect('/p/form/analgesic/add', 303);
    return kit.html(c, <MedicineDosePage m={o.m} drugKey={key} />);
  });

  routes.post('/p/form/analgesic/add/:key', 'public', async (c) => {
    const o = await open(c);
    if (o.refused) return o.refused;
    const key = c.req.param('key') ?? '';
    const s = PATIENT_STRENGTHS[key];
    if (!patientDrug(key) || !s) return c.redirect('/p/form/analgesic/add', 303);
    const form = await formOf(c);
    const strength = strengthAnswer(field(form, 'strength'), s.strengths);
    const perDay = perDayAnswer(field(form, 'perday'));
    if (strength === null || (s.form !== 'patch' && perDay === null && strength !== 'unsure')) {
      const picked = { strength: field(form, 'strength'), perDay: field(form, 'perday') };
      return kit.html(c, <MedicineDosePage m={o.m} drugKey={key} picked={picked} error={o.m.choose} />, 422);
    }
    const added = [...o.values.added, { key, strength, perDay: s.form === 'patch' ? null : perDay }];
    await saveDraft(reg, o.s, ANALGESIC_PAGE, { ...o.values, added, none: false, done: false });
    return c.redirect('/p/form/analgesic', 303);
  });
}
