// The subject page's form that ends a subject's participation (withdrawn, lost to follow-up, died).
import type { Issue } from '../../errors.js';
import { ErrorSummary, FieldError } from '../error-summary.js';
import {
  type FieldIssue,
  fieldSentence,
  issuesByField,
  plainMessage,
  summaryEntries,
} from './field-issues.js';

/** What was sent and why it was refused, shown again in the form. */
export interface WithdrawState {
  values: { date: string; status: string; reason: string };
  issues: readonly Issue[];
}

const WITHDRAW_STATUSES: readonly [string, string][] = [
  ['withdrawn', 'Withdrawn'],
  ['lost_to_follow_up', 'Lost to follow-up'],
  ['died', 'Died'],
];

/** The form, with each refusal beside its field and in the summary above. */
export function WithdrawForm(props: { studyId: string; state: WithdrawState | null; today: string }) {
  const fieldIds: Record<string, [string, string]> = {
    date: ['withdraw-date', 'Date'],
    status: ['withdraw-status', 'Why participation ends'],
    reason: ['withdraw-reason', 'Reason'],
  };
  const issues: FieldIssue[] = (props.state?.issues ?? []).map((i) => {
    const key = String(i.path[0] ?? '');
    const known = fieldIds[key];
    return {
      fieldId: known?.[0] ?? null,
      label: known?.[1] ?? 'Withdrawal',
      message: fieldSentence(known?.[1] ?? 'Withdrawal', plainMessage(i, [`${key}: `])),
    };
  });
  const errors = issuesByField(issues);
  const v = props.state?.values ?? { date: props.today, status: 'withdrawn', reason: '' };
  const cls = (id: string) => (errors.has(id) ? 'field invalid' : 'field');
  const described = (id: string) => (errors.has(id) ? `${id}-error` : undefined);
  return (
    <section class="panel" aria-labelledby="withdraw">
      <h2 id="withdraw">End participation</h2>
      <ErrorSummary entries={summaryEntries(issues)} />
      <form method="post" action={`/subjects/${encodeURIComponent(props.studyId)}/withdraw`}>
        <div class={cls('withdraw-status')}>
          <label for="withdraw-status">Why participation ends</label>
          <FieldError id="withdraw-status" messages={errors.get('withdraw-status')} />
          <select id="withdraw-status" name="status" aria-describedby={described('withdraw-status')}>
            {WITHDRAW_STATUSES.map(([code, label]) => (
              <option value={code} selected={code === v.status}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class={cls('withdraw-date')}>
          <label for="withdraw-date">Date</label>
          <FieldError id="withdraw-date" messages={errors.get('withdraw-date')} />
          <input
            type="date"
            id="withdraw-date"
            name="date"
            value={v.date}
            required
            aria-describedby={described('withdraw-date')}
          />
        </div>
        <div class={cls('withdraw-reason')}>
          <label for="withdraw-reason">Reason</label>
          <FieldError id="withdraw-reason" messages={errors.get('withdraw-reason')} />
          <textarea
            id="withdraw-reason"
            name="reason"
            rows={3}
            required
            aria-describedby={described('withdraw-reason')}
          >
            {v.reason}
          </textarea>
        </div>
        <button
          type="submit"
          class="danger"
          data-confirm="End this participant's participation in the study?"
        >
          End participation
        </button>
      </form>
    </section>
  );
}
