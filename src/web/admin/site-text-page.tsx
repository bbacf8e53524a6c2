import type { SiteTextRow } from '../../registry/index.js';
import { ErrorSummary, FieldError } from '../error-summary.js';
import { type FormIssues, SelectField, summaryOf, TextField, utcTime } from './form.js';

export const LANGUAGE_LABELS: Record<string, string> = { language: 'Language of the patient pages' };
export const SITE_TEXT_LABELS: Record<string, string> = {
  kind: 'Kind of text',
  language: 'Language',
  text: 'Text (JSON)',
  licence: 'Licence',
};

/**
 * A site's patient (ePRO) pages (admin): their language, the texts installed, and the form that
 * installs one (a JSON file or the JSON pasted). No patient data.
 */
export function SiteTextPage(props: {
  site: { id: string; name: string; language: string };
  languages: readonly string[];
  texts: readonly SiteTextRow[];
  form?: Record<string, string>;
  issues?: FormIssues;
  languageIssues?: FormIssues;
}) {
  const { site } = props;
  const form = props.form ?? {};
  const base = `/admin/sites/${encodeURIComponent(site.id)}`;
  return (
    <>
      <h1>Patient pages of {site.id}</h1>
      <p>
        {site.name}. Patients see the questionnaire pages in the site's language, with the texts installed
        here; they never edit them. See docs/epro.md, "Language".
      </p>
      <ErrorSummary
        entries={[
          ...summaryOf(props.languageIssues, LANGUAGE_LABELS, 'site-language'),
          ...summaryOf(props.issues, SITE_TEXT_LABELS, 'site-text'),
        ]}
      />
      <section class="panel">
        <h2>Language</h2>
        <form method="post" action={`${base}/language`}>
          <SelectField
            prefix="site-language"
            name="language"
            label="Language of the patient pages"
            hint="English, or a language with an installed catalog"
            issues={props.languageIssues}
            value={site.language}
            options={props.languages.map((l) => ({ value: l, label: l }))}
          />
          <button type="submit">Set language</button>
        </form>
      </section>
      <section class="panel">
        <h2>Installed texts</h2>
        {props.texts.length === 0 ? (
          <p>None yet: the pages are in English with the neutral ODI anchors.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Language</th>
                <th scope="col">Licence</th>
                <th scope="col">Installed by</th>
                <th scope="col">Installed</th>
              </tr>
            </thead>
            <tbody>
              {props.texts.map((t) => (
                <tr>
                  <td>{t.kind === 'odi' ? 'ODI wording' : 'Catalog'}</td>
                  <td>{t.language}</td>
                  <td>{t.licence ?? ''}</td>
                  <td>{t.installedBy}</td>
                  <td>{utcTime(t.installedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="panel">
        <h2>Install a text</h2>
        <p>
          A catalog has exactly the keys of the English one (<code>sifreg site-text template</code>), each
          keeping its {'{placeholders}'}. An ODI wording is the site's licensed text: each of the ten sections
          with six statements (0 to 5), and the licence the site holds. Installing replaces the text of that
          kind and language.
        </p>
        <form method="post" action={`${base}/texts`} enctype="multipart/form-data">
          <SelectField
            prefix="site-text"
            name="kind"
            label="Kind of text"
            issues={props.issues}
            value={form.kind ?? 'catalog'}
            options={[
              { value: 'catalog', label: 'Message catalog' },
              { value: 'odi', label: 'Licensed ODI wording' },
            ]}
          />
          <TextField
            prefix="site-text"
            name="language"
            label="Language"
            hint="A code such as es, fil or pt-BR"
            issues={props.issues}
            value={form.language ?? ''}
          />
          <div class="field">
            <label for="site-text-file">JSON file</label>
            <input type="file" id="site-text-file" name="file" accept="application/json,.json" />
          </div>
          <div class={props.issues?.text ? 'field invalid' : 'field'}>
            <label for="site-text-text">Or paste the JSON</label>
            <FieldError id="site-text-text" messages={props.issues?.text} />
            <textarea
              id="site-text-text"
              name="text"
              rows={8}
              aria-invalid={props.issues?.text ? 'true' : undefined}
              aria-describedby={props.issues?.text ? 'site-text-text-error' : undefined}
            >
              {form.text ?? ''}
            </textarea>
          </div>
          <TextField
            prefix="site-text"
            name="licence"
            label="Licence"
            hint="Required for an ODI wording: the licence the site holds for this text"
            issues={props.issues}
            value={form.licence ?? ''}
          />
          <button type="submit">Install</button>
        </form>
      </section>
    </>
  );
}
