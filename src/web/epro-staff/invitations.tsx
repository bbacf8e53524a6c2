import type { EproInvitationRow } from '../../registry/epro-invitations.js';

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '–');

/** What staff read in the status column of one message. */
export function invitationStatusText(m: EproInvitationRow): string {
  switch (m.status) {
    case 'queued':
      return m.reason ? `queued (retrying: ${m.reason})` : 'queued';
    case 'skipped':
      return `skipped: ${m.reason ?? 'no reason recorded'}`;
    case 'bounced':
      return `bounced: ${m.reason ?? 'refused by the mail server'}`;
    case 'outbox':
      return `waiting in the outbox: ${m.reason ?? 'send by hand'}`;
    default:
      return m.status;
  }
}

const label = (m: EproInvitationRow) =>
  m.resend ? 'Invitation (sent again)' : m.kind === 'invitation' ? 'Invitation' : `Reminder (+${m.seq} d)`;

/**
 * A subject's ePRO invitations and reminders with their status (queued, sent, opened, completed,
 * bounced, skipped with the reason, waiting in the outbox), and the form to send a visit's
 * invitation again with a new link.
 */
export function EproInvitations(props: { base: string; rows: EproInvitationRow[]; visits: string[] }) {
  return (
    <>
      <h2 id="epro-invitations">Invitations and reminders</h2>
      <form method="post" action={`${props.base}/resend`}>
        <label for="epro-resend-visit">Visit</label>{' '}
        <select id="epro-resend-visit" name="visit">
          {props.visits.map((v) => (
            <option value={v}>{v}</option>
          ))}
        </select>{' '}
        <button type="submit">Resend the invitation (a new link; the old one stops working)</button>
      </form>
      {props.rows.length === 0 ? (
        <p>No invitation is planned yet.</p>
      ) : (
        <table aria-labelledby="epro-invitations">
          <thead>
            <tr>
              <th scope="col">Visit</th>
              <th scope="col">Message</th>
              <th scope="col">Due or recorded</th>
              <th scope="col">Sent</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((m) => (
              <tr>
                <td>{m.visit}</td>
                <td>{label(m)}</td>
                <td>{when(m.at)}</td>
                <td>{when(m.sentAt)}</td>
                <td>{invitationStatusText(m)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
