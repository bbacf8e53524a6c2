import type { EproMessageRow } from '../../registry/epro-invitations.js';

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '–');

/** What a staff member reads in the status column: the message, then what the patient did. */
export function messageStatus(m: EproMessageRow): string {
  if (m.outcome === 'skipped') return `not sent: ${m.reason ?? 'no reason recorded'}`;
  if (m.outcome === 'outbox') return `waiting: ${m.reason ?? 'send by hand'}`;
  if (m.outcome === 'bounced' || m.outcome === 'failed')
    return m.reason ? `${m.outcome}: ${m.reason}` : m.outcome;
  if (m.completed) return 'completed';
  if (m.opened) return 'opened';
  return m.outcome === 'sent_by_hand' ? 'sent by hand' : 'sent';
}

const label = (m: EproMessageRow) =>
  m.resend ? 'Invitation (sent again)' : m.kind === 'invitation' ? 'Invitation' : `Reminder (+${m.seq} d)`;

/**
 * The ePRO outbox (messages that wait for staff: no SMTP_URL, no address, e-mail declined) and the
 * send log with the status of every invitation. A message here never shows a link: staff make the
 * visit's link on the participant's ePRO page, send it, and mark the message sent by hand.
 */
export function OutboxPage(props: { outbox: EproMessageRow[]; log: EproMessageRow[]; error?: string }) {
  return (
    <section class="panel">
      <h1>ePRO messages</h1>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <h2 id="outbox">Outbox</h2>
      {props.outbox.length === 0 ? (
        <p>No message is waiting.</p>
      ) : (
        <table aria-labelledby="outbox">
          <thead>
            <tr>
              <th scope="col">Participant</th>
              <th scope="col">Visit</th>
              <th scope="col">Message</th>
              <th scope="col">Since</th>
              <th scope="col">Why it waits</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {props.outbox.map((m) => (
              <tr>
                <td>
                  <a href={`/subjects/${encodeURIComponent(m.studyId)}/epro`}>{m.studyId}</a>
                </td>
                <td>{m.visit}</td>
                <td>{label(m)}</td>
                <td>{when(m.createdAt)}</td>
                <td>{m.reason ?? ''}</td>
                <td>
                  <form method="post" action={`/epro/outbox/${m.id}/sent`}>
                    <button type="submit">Mark sent by hand</button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2 id="send-log">Send log</h2>
      <table aria-labelledby="send-log">
        <thead>
          <tr>
            <th scope="col">Participant</th>
            <th scope="col">Visit</th>
            <th scope="col">Message</th>
            <th scope="col">Recorded</th>
            <th scope="col">Sent</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {props.log.map((m) => (
            <tr>
              <td>
                <a href={`/subjects/${encodeURIComponent(m.studyId)}/epro`}>{m.studyId}</a>
              </td>
              <td>{m.visit}</td>
              <td>{label(m)}</td>
              <td>{when(m.createdAt)}</td>
              <td>{when(m.sentAt)}</td>
              <td>{messageStatus(m)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
