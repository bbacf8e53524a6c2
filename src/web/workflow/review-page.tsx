import type { InstrumentDef } from '../../instruments/index.js';
import type { QueryView, ResponseForEdit, SdvStatus, SignatureView } from '../../registry/index.js';
import { type FormIssues, summaryOf, TextField } from '../admin/form.js';
import { ErrorSummary } from '../error-summary.js';
import { formTitle } from '../forms/form-title.js';
import { Message, TextArea, utc } from './parts.js';

/** What the actor may do on this form, decided by the route from role, site and status. */
export interface ReviewActions {
  raise: boolean;
  sign: boolean;
  lock: boolean;
  unlock: boolean;
  sdv: boolean;
}

export interface ReviewProps {
  response: ResponseForEdit;
  def: InstrumentDef;
  formUrl: string;
  signatures: SignatureView[];
  sdv: SdvStatus | null;
  queries: QueryView[];
  actions: ReviewActions;
  meaning: string;
  /** The visit's label from the study definition. */
  visitLabel: string;
  /** Issues of the form that failed, by form (`raise`, `sign`, `lock`, `sdv`). */
  failed: { form: string; issues: FormIssues; values: Record<string, string> } | null;
  problem: string | null;
  notice: string | null;
}

const LABELS = {
  raise: { item: 'Item', text: 'Query text', assignee: 'Assign to (username, optional)' },
  sign: { password: 'Your password' },
  lock: { reason: 'Reason' },
  sdv: { items: 'Items verified' },
} as const;

/**
 * One form's review: its status, signatures (kept when void), SDV status and queries, and the steps
 * the actor may take: raise a query, sign with the password, lock or unlock with a reason, mark SDV.
 */
export function ReviewPage(props: ReviewProps) {
  const r = props.response;
  const base = `/forms/${r.id}`;
  const items = new Map(props.def.items.map((i) => [i.id, i.label]));
  const failed = (form: string) => (props.failed?.form === form ? props.failed : null);
  const title = formTitle(props.def, r.instance);
  return (
    <article>
      <p class="breadcrumb">
        <a href={`/subjects/${encodeURIComponent(r.studyId)}`}>{r.studyId}</a> ›{' '}
        <a href={`/subjects/${encodeURIComponent(r.studyId)}/visits/${encodeURIComponent(r.visit)}`}>
          {props.visitLabel}
        </a>{' '}
        › <a href={props.formUrl}>{title}</a>
      </p>
      <h1>
        Review: {title} <span class="muted">· {r.studyId}</span>
      </h1>
      <Message problem={props.problem} notice={props.notice} />
      <p>
        <span class={`badge status-${r.status}`}>{r.status}</span>{' '}
        <span class="muted">
          version {r.version}, last saved {utc(r.updatedAt)}
          {r.lockedBy ? `, locked by ${r.lockedBy} at ${utc(r.lockedAt ?? r.updatedAt)}` : ''}
        </span>{' '}
        · <a href={`${props.formUrl}/history`}>Field history</a>
      </p>

      <section class="panel" aria-labelledby="signatures-title">
        <h2 id="signatures-title">Signatures</h2>
        {props.signatures.length === 0 ? (
          <p>Not signed.</p>
        ) : (
          <ul>
            {props.signatures.map((s) => (
              <li class={`signature signature-${s.state.replace(/\s+/g, '-')}`}>
                <strong>{s.signerName}</strong> ({s.signedBy}, {s.role}), {utc(s.signedAt)}: “{s.meaning}”,
                version {s.version}, {s.scope === 'visit' ? 'with its visit' : 'this form'} —{' '}
                <span class="badge">{s.state}</span>
                {s.void ? (
                  <span>
                    {' '}
                    voided {utc(s.void.at)} by {s.void.by}: {s.void.reason}
                  </span>
                ) : null}
                {s.state === 'broken' ? <span> The form no longer matches what was signed.</span> : null}
                <br />
                <span class="muted">sha256 {s.contentSha256}</span>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="panel" aria-labelledby="sdv-title">
        <h2 id="sdv-title">Source data verification</h2>
        <p>
          Status: <span class="badge">{props.sdv?.status ?? 'not verified'}</span>
        </p>
        {props.sdv?.form ? (
          <p>
            Whole form verified by {props.sdv.form.by} at {utc(props.sdv.form.at)} (version{' '}
            {props.sdv.form.version})
            {props.sdv.form.stale
              ? `; stale since ${utc(props.sdv.form.stale.at)}: ${props.sdv.form.stale.reason}`
              : ''}
          </p>
        ) : null}
        {Object.keys(props.sdv?.items ?? {}).length > 0 ? (
          <ul>
            {Object.entries(props.sdv?.items ?? {}).map(([item, m]) => (
              <li>
                {items.get(item) ?? item}: verified by {m.by} at {utc(m.at)} (version {m.version})
                {m.stale ? `; stale since ${utc(m.stale.at)}: ${m.stale.reason}` : ''}
              </li>
            ))}
          </ul>
        ) : null}
        {props.actions.sdv ? (
          <form method="post" action={`${base}/sdv`}>
            <ErrorSummary entries={summaryOf(failed('sdv')?.issues, LABELS.sdv, 'sdv')} />
            <input type="hidden" name="version" value={String(r.version)} />
            <fieldset class="field">
              <legend>Items verified against source (none ticked: the whole form)</legend>
              <div class="options many">
                {props.def.items.map((i) => (
                  <div class="option">
                    <input type="checkbox" id={`sdv-item-${i.id}`} name="items" value={i.id} />
                    <label for={`sdv-item-${i.id}`}>{i.label}</label>
                  </div>
                ))}
              </div>
            </fieldset>
            <p class="actions">
              <button type="submit">Mark verified (version {r.version})</button>
            </p>
          </form>
        ) : null}
      </section>

      <section class="panel" aria-labelledby="queries-title">
        <h2 id="queries-title">Queries</h2>
        {props.queries.length === 0 ? (
          <p>No query on this form.</p>
        ) : (
          <ul>
            {props.queries.map((q) => (
              <li>
                <a href={`/queries/${q.id}`}>
                  Query {q.id} on {items.get(q.item) ?? q.item}
                </a>{' '}
                <span class="badge">{q.status}</span> — {q.messages[0]?.text ?? ''}
              </li>
            ))}
          </ul>
        )}
        {props.actions.raise ? (
          <form method="post" action={`${base}/queries`}>
            <h3>Raise a query</h3>
            <ErrorSummary entries={summaryOf(failed('raise')?.issues, LABELS.raise, 'raise')} />
            <div class={failed('raise')?.issues.item ? 'field invalid' : 'field'}>
              <label for="raise-item">{LABELS.raise.item}</label>
              <select id="raise-item" name="item">
                {props.def.items.map((i) => (
                  <option value={i.id} selected={failed('raise')?.values.item === i.id}>
                    {i.label}
                  </option>
                ))}
              </select>
            </div>
            <TextArea
              prefix="raise"
              name="text"
              label={LABELS.raise.text}
              issues={failed('raise')?.issues}
              value={failed('raise')?.values.text ?? ''}
              required
            />
            <TextField
              prefix="raise"
              name="assignee"
              label={LABELS.raise.assignee}
              issues={failed('raise')?.issues}
              value={failed('raise')?.values.assignee ?? ''}
              hint="A coordinator or investigator of the subject's site; empty: the site's staff."
            />
            <p class="actions">
              <button type="submit">Raise the query</button>
            </p>
          </form>
        ) : null}
      </section>

      {props.actions.sign ? (
        <section class="panel" aria-labelledby="sign-title">
          <h2 id="sign-title">Sign</h2>
          <form method="post" action={`${base}/sign`}>
            <ErrorSummary entries={summaryOf(failed('sign')?.issues, LABELS.sign, 'sign')} />
            <p>
              By signing, you state: <strong>“{props.meaning}”</strong>. The signature records your name, the
              time (UTC) and this meaning, and is bound to version {r.version} of this form; a later change
              voids it.
            </p>
            <input type="hidden" name="version" value={String(r.version)} />
            <TextField
              prefix="sign"
              name="password"
              type="password"
              label={LABELS.sign.password}
              issues={failed('sign')?.issues}
              autocomplete="current-password"
              required
            />
            <p class="actions">
              <button type="submit">Sign</button>
            </p>
          </form>
        </section>
      ) : null}

      {props.actions.lock || props.actions.unlock ? (
        <section class="panel" aria-labelledby="lock-title">
          <h2 id="lock-title">{props.actions.lock ? 'Lock' : 'Unlock'}</h2>
          <form method="post" action={`${base}/${props.actions.lock ? 'lock' : 'unlock'}`}>
            <ErrorSummary entries={summaryOf(failed('lock')?.issues, LABELS.lock, 'lock')} />
            {props.actions.unlock ? (
              <p>
                Unlocking makes the form editable again and voids its signature (the signature is kept, marked
                void).
              </p>
            ) : null}
            <input type="hidden" name="version" value={String(r.version)} />
            <TextArea
              prefix="lock"
              name="reason"
              label={LABELS.lock.reason}
              issues={failed('lock')?.issues}
              value={failed('lock')?.values.reason ?? ''}
              required
            />
            <p class="actions">
              <button type="submit">{props.actions.lock ? 'Lock the form' : 'Unlock the form'}</button>
            </p>
          </form>
        </section>
      ) : null}
    </article>
  );
}
