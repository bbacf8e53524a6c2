import type { Child } from 'hono/jsx';
import type { InstrumentDef, ItemDef } from '../../instruments/index.js';
import { FieldError } from '../error-summary.js';
import { answerField, controlId } from '../forms/form-values.js';
import type { EproMessages } from './messages/en.js';
import { choiceLabel, questionLabel } from './messages.js';

/*
 * The patient's pages: phone first, one column, large touch targets, no JavaScript, and no
 * identifier of any kind (not the name, not the study id). Everything shown comes from the
 * instrument definitions and the message catalog.
 */

export const EPRO_CSS = `
*{box-sizing:border-box}
body{margin:0;font:1.125rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.25}
fieldset{border:1px solid #767676;border-radius:.5rem;margin:0 0 1.25rem;padding:.75rem}
legend{font-weight:600;padding:0 .25rem}
.choice{display:flex;align-items:center;gap:.75rem;min-height:48px;padding:.25rem .5rem;border-radius:.375rem}
.choice input{width:1.5rem;height:1.5rem;flex:none;margin:0}
.drug{border-bottom:1px solid #ddd;padding:.5rem 0}
.drug input[type=date]{font:inherit;min-height:44px;max-width:100%}
.scale{display:flex;flex-wrap:wrap;gap:.5rem}
.scale .choice{min-width:48px;justify-content:center;border:1px solid #767676}
.button{display:inline-block;min-height:48px;padding:.75rem 1.25rem;border:0;border-radius:.5rem;background:#0b5394;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.button:focus,.choice input:focus,a:focus,textarea:focus,input:focus{outline:3px solid #f9a800;outline-offset:2px}
textarea,input[type=text],input[inputmode=numeric]{width:100%;font:inherit;padding:.5rem;border:1px solid #767676;border-radius:.375rem}
textarea{min-height:6rem}
.progress{font-weight:600}
.error,.field-error{color:#b00020;font-weight:600}
.error-line{display:block}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.note{color:#444}
ol.pages{padding-left:1.25rem}
ol.pages li{margin:.5rem 0}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
.more{margin:0 0 .5rem 2.25rem}
.more fieldset{margin:.5rem 0}
.button.secondary{background:#fff;color:#0b5394;border:2px solid #0b5394}
button.link{background:none;border:0;color:#0b5394;text-decoration:underline;font:inherit;min-height:44px;padding:0 .5rem;cursor:pointer}
ul.added{padding-left:1.25rem}
ul.added li{margin:.25rem 0}
`;

export function PatientLayout(props: { m: EproMessages; title: string; children?: Child }) {
  return (
    <html lang={props.m.lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>{props.title === props.m.appName ? props.title : `${props.title} · ${props.m.appName}`}</title>
        <link rel="stylesheet" href="/static/epro.css" />
      </head>
      <body>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

/** A page that only says something (ended, expired, revoked, thank you). */
export function MessagePage(props: { m: EproMessages; title: string; text: string }) {
  return (
    <PatientLayout m={props.m} title={props.title}>
      <h1>{props.title}</h1>
      <p>{props.text}</p>
    </PatientLayout>
  );
}

export function YearPage(props: { m: EproMessages; error?: string | undefined }) {
  const { m } = props;
  return (
    <PatientLayout m={m} title={m.yearTitle}>
      <h1>{m.yearTitle}</h1>
      <p>{m.yearText}</p>
      <form method="post" action="/p/year">
        <label for="year">{m.yearLabel}</label>
        <FieldError id="year" messages={props.error ? [props.error] : undefined} prefix={m.errorPrefix} />
        <input
          id="year"
          name="year"
          type="text"
          inputmode="numeric"
          autocomplete="bday-year"
          maxlength={4}
          aria-describedby={props.error ? 'year-error' : undefined}
        />
        <p>
          <button class="button" type="submit">
            {m.continue}
          </button>
        </p>
      </form>
    </PatientLayout>
  );
}

export function OverviewPage(props: {
  m: EproMessages;
  pages: readonly string[];
  saved: ReadonlySet<string>;
}) {
  const { m, pages, saved } = props;
  const next = pages.find((p) => !saved.has(p));
  const done = pages.filter((p) => saved.has(p)).length;
  return (
    <PatientLayout m={m} title={m.appName}>
      <h1>{m.appName}</h1>
      <p>{m.intro}</p>
      <p class="progress">{m.progress(done, pages.length)}</p>
      <ol class="pages">
        {pages.map((p) => (
          <li>
            <a href={`/p/form/${p}`}>{m.pageTitles[p] ?? p}</a>{' '}
            <span class="note">({saved.has(p) ? m.saved : m.notSaved})</span>
          </li>
        ))}
      </ol>
      {next ? (
        <p>
          <a class="button" href={`/p/form/${next}`}>
            {done === 0 ? m.start : m.resume}
          </a>
        </p>
      ) : (
        <form method="post" action="/p/submit">
          <p>{m.review}</p>
          <button class="button" type="submit">
            {m.submit}
          </button>
        </form>
      )}
    </PatientLayout>
  );
}

type Values = Record<string, string | string[]>;

function chosen(values: Values, id: string): string[] {
  const v = values[id];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A fieldset of radio buttons with a legend: the one way every patient question is asked. */
export function Radios(props: {
  name: string;
  id: string;
  legend: string;
  options: readonly { code: string; label: string }[];
  picked: readonly string[];
  scale?: boolean;
  hint?: string | undefined;
}) {
  return (
    <fieldset>
      <legend id={`${props.id}-legend`}>{props.legend}</legend>
      {props.hint ? <p class="note">{props.hint}</p> : null}
      <div class={props.scale ? 'scale' : undefined}>
        {props.options.map((o, i) => (
          <label class="choice" for={`${props.id}-${i}`}>
            <input
              type="radio"
              id={`${props.id}-${i}`}
              name={props.name}
              value={o.code}
              checked={props.picked.includes(o.code)}
            />
            {o.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** The questions of one instrument, from its definition (pain as a 0–10 radio scale). */
function InstrumentQuestions(props: {
  m: EproMessages;
  def: InstrumentDef;
  values: Values;
  odiWording?: Record<string, readonly string[]> | undefined;
}) {
  const { m, def, values } = props;
  if (def.id === 'pain') {
    return (
      <>
        <input type="hidden" name={answerField('scale')} value="nrs" />
        <Radios
          name={answerField('score')}
          id={controlId('score')}
          legend={m.painLegend}
          hint={`${m.painLow} · ${m.painHigh}`}
          scale
          options={Array.from({ length: 11 }, (_, i) => ({ code: String(i), label: String(i) }))}
          picked={chosen(values, 'score')}
        />
      </>
    );
  }
  return (
    <>
      {def.id === 'odi' ? <p>{m.odiIntro}</p> : null}
      {def.items.map((item: ItemDef) => {
        // ODI: the site's licensed statements when installed, else the catalog's neutral anchors;
        // ODI section titles and the satisfaction questions and choices from the catalog (the page's language).
        const licensed = def.id === 'odi' ? props.odiWording?.[item.id] : undefined;
        const options =
          item.type === 'boolean'
            ? [
                { code: 'true', label: m.yes },
                { code: 'false', label: m.no },
              ]
            : (item.choices ?? []).map((c, i) => ({
                code: c.code,
                label:
                  c.code === 'na'
                    ? m.notApplicable
                    : (licensed?.[i] ?? choiceLabel(m, def, c.code) ?? c.label),
              }));
        if (options.length === 0) return null;
        return (
          <Radios
            name={answerField(item.id)}
            id={controlId(item.id)}
            legend={questionLabel(m, def, item.id) ?? item.label}
            options={options}
            picked={chosen(values, item.id)}
          />
        );
      })}
    </>
  );
}

export function QuestionPage(props: {
  m: EproMessages;
  page: string;
  index: number;
  total: number;
  def: InstrumentDef | null;
  values: Record<string, unknown>;
  last: boolean;
  odiWording?: Record<string, readonly string[]> | undefined;
  error?: string | undefined;
}) {
  const { m, page, values } = props;
  const title = m.pageTitles[page] ?? props.def?.title ?? page;
  return (
    <PatientLayout m={m} title={title}>
      <p class="progress">{m.progress(props.index + 1, props.total)}</p>
      <h1>{title}</h1>
      <form method="post" action={`/p/form/${page}`}>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        {props.def ? (
          <InstrumentQuestions
            m={m}
            def={props.def}
            values={values as Values}
            odiWording={props.odiWording}
          />
        ) : (
          <>
            <Radios
              name="any"
              id="problems-any"
              legend={m.problemsLegend}
              options={[
                { code: 'yes', label: m.yes },
                { code: 'no', label: m.no },
              ]}
              picked={chosen(values as Values, 'any')}
            />
            <label for="problems-description">{m.problemsDescribe}</label>
            <textarea id="problems-description" name="description" maxlength={2000}>
              {typeof values.description === 'string' ? values.description : ''}
            </textarea>
          </>
        )}
        <p>
          <button class="button" type="submit">
            {props.last ? m.saveLast : m.saveNext}
          </button>
        </p>
      </form>
      <p>
        <a href="/p/form">{m.back}</a>
      </p>
    </PatientLayout>
  );
}
