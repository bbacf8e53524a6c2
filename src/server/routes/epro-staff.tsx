import type { Context } from 'hono';
import { RegistryError } from '../../errors.js';
import { eproInvitations, isEproVisit, resendInvitation } from '../../registry/epro-invitations.js';
import {
  createLink,
  decideAeCandidate,
  eproUrl,
  listAeCandidates,
  listLinks,
  listPatientAnalgesics,
  listPatientEntered,
  revokeLink,
} from '../../registry/index.js';
import { EproInvitations } from '../../web/epro-staff/invitations.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';

const SITE_STAFF = ['coordinator', 'investigator'] as const;

const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') : '–');

/**
 * Staff side of ePRO links on a subject (docs/epro.md): make, remake and revoke a visit's link (a new
 * link is shown once, never again), and decide the patient-reported adverse event candidates.
 */
export function eproStaffRoutes(routes: RouteTable, deps: AppDeps): void {
  const reg = deps.registry;

  const page = async (
    c: Context<AppEnv>,
    studyId: string,
    extra: { link?: string; visit?: string; error?: string; notice?: string } = {},
    status: 200 | 422 = 200,
  ) => {
    const actor = userOf(c).actor;
    const links = await listLinks(reg, actor, studyId);
    const candidates = await listAeCandidates(reg, actor, studyId);
    const drugs = await listPatientAnalgesics(reg, actor, studyId);
    const entered = await listPatientEntered(reg, actor, studyId);
    const invitations = await eproInvitations(reg, actor, studyId);
    const base = `/subjects/${encodeURIComponent(studyId)}/epro`;
    return renderPage(
      c,
      `ePRO links of ${studyId}`,
      <section class="panel">
        <h1>ePRO links of {studyId}</h1>
        {extra.error ? (
          <p class="error" role="alert">
            {extra.error}
          </p>
        ) : null}
        {extra.notice ? <p role="status">{extra.notice}</p> : null}
        {extra.link ? (
          <div role="status">
            <p>New link for {extra.visit}. It is shown once: copy it now and send it to the patient.</p>
            <p>
              <code>{extra.link}</code>
            </p>
          </div>
        ) : null}
        <form method="post" action={`${base}/link`}>
          <label for="epro-visit">Visit</label>{' '}
          <select id="epro-visit" name="visit">
            {reg.protocol.visits.map((v) => (
              <option value={v.code}>{v.code}</option>
            ))}
          </select>{' '}
          <button type="submit">Make a link (replaces the visit's current link)</button>
        </form>
        <form method="post" action={`${base}/in-clinic`}>
          <label for="epro-clinic-visit">Visit</label>{' '}
          <select id="epro-clinic-visit" name="visit">
            {reg.protocol.visits.map((v) => (
              <option value={v.code}>{v.code}</option>
            ))}
          </select>{' '}
          <button type="submit">Hand this device to the patient (staff pages lock)</button>
        </form>
        <p class="muted">
          If the site asks for the year of birth, it only guards against a link sent to the wrong person; it
          is not authentication.
        </p>
        <table>
          <caption>Links</caption>
          <thead>
            <tr>
              <th scope="col">Visit</th>
              <th scope="col">Made</th>
              <th scope="col">Valid</th>
              <th scope="col">Opened</th>
              <th scope="col">Submitted</th>
              <th scope="col">State</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {links.map((l) => (
              <tr>
                <td>{l.visit}</td>
                <td>{when(l.createdAt)}</td>
                <td>
                  {when(l.validFrom)} to {when(l.validTo)}
                </td>
                <td>{when(l.openedAt)}</td>
                <td>{when(l.submittedAt)}</td>
                <td>
                  {l.revokedAt ? 'revoked' : l.lockedAt ? 'locked' : l.submittedAt ? 'answered' : 'live'}
                </td>
                <td>
                  {l.revokedAt ? null : (
                    <form method="post" action={`${base}/revoke`}>
                      <input type="hidden" name="visit" value={l.visit} />
                      <button type="submit">Revoke</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <EproInvitations
          base={base}
          rows={invitations}
          visits={reg.protocol.visits.filter(isEproVisit).map((v) => v.code)}
        />
        <h2>Forms entered by the patient</h2>
        <p class="muted">Review them on the form; a change is an amendment with a reason.</p>
        <ul>
          {entered.map((e) => (
            <li>
              <a
                href={`/subjects/${encodeURIComponent(studyId)}/visits/${encodeURIComponent(e.visit)}/forms/${encodeURIComponent(e.instrument)}/${e.instance}`}
              >
                {e.instrument} at {e.visit}
              </a>{' '}
              (entered by the patient, {when(e.createdAt)}, {e.status})
            </li>
          ))}
        </ul>
        <h2>Pain medicines reported by the patient</h2>
        <p class="muted">
          For review: record them as analgesic forms with strength and doses (the patient's list is never
          recorded by itself).
        </p>
        <ul>
          {drugs.map((d) => (
            <li>
              {d.visit}
              {d.submittedAt ? '' : ' (not sent yet)'}:{' '}
              {d.none
                ? 'none'
                : d.drugs
                    .map((x) => `${x.name} [${x.drug}]${x.stoppedOn ? `, stopped ${x.stoppedOn}` : ''}`)
                    .join('; ') || 'no listed medicine'}
              {d.other ? `; to place: "${d.other}"` : ''}
            </li>
          ))}
        </ul>
        <h2>New problems reported by the patient</h2>
        <p class="muted">
          Candidates only: a confirmed one is recorded as an adverse event form by the investigator; only that
          form counts in the analysis.
        </p>
        <ul>
          {candidates.map((a) => (
            <li>
              {a.visit}, {when(a.createdAt)}: {a.description} ({a.status})
              {a.status === 'pending' ? (
                <form method="post" action={`${base}/ae/${a.id}`}>
                  <button type="submit" name="decision" value="confirmed">
                    Confirm
                  </button>{' '}
                  <button type="submit" name="decision" value="rejected">
                    Reject
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
        <p>
          <a href={`/subjects/${encodeURIComponent(studyId)}`}>Back to the participant</a>
        </p>
      </section>,
      status,
    );
  };

  const guarded = async (c: Context<AppEnv>, studyId: string, run: () => Promise<Response>) => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof RegistryError && (error.status === 409 || error.status === 422))
        return page(c, studyId, { error: error.message }, 422);
      throw error;
    }
  };

  routes.get('/subjects/:studyId/epro', SITE_STAFF, (c) => {
    const resent = reg.protocol.visits.find((v) => v.code === c.req.query('resent'))?.code;
    return page(
      c,
      c.req.param('studyId') ?? '',
      resent
        ? {
            notice: `The ${resent} invitation goes out again with a new link at the next pass of the mail worker.`,
          }
        : {},
    );
  });

  routes.post('/subjects/:studyId/epro/link', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    const visit = field(await formOf(c), 'visit');
    return guarded(c, studyId, async () => {
      if (!deps.appOrigin) {
        return page(c, studyId, { error: 'Links cannot be made: APP_ORIGIN is not configured.' }, 422);
      }
      const made = await createLink(reg, userOf(c).actor, { studyId, visit });
      return page(c, studyId, { link: eproUrl(deps.appOrigin, made.token), visit: made.visit });
    });
  });

  routes.post('/subjects/:studyId/epro/resend', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    const visit = field(await formOf(c), 'visit');
    return guarded(c, studyId, async () => {
      await resendInvitation(reg, userOf(c).actor, { studyId, visit });
      // Redirect after the POST: reloading the page does not send it once more.
      return c.redirect(
        `/subjects/${encodeURIComponent(studyId)}/epro?resent=${encodeURIComponent(visit)}`,
        303,
      );
    });
  });

  routes.post('/subjects/:studyId/epro/revoke', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    const visit = field(await formOf(c), 'visit');
    await revokeLink(reg, userOf(c).actor, { studyId, visit });
    return c.redirect(`/subjects/${encodeURIComponent(studyId)}/epro`, 303);
  });

  routes.post('/subjects/:studyId/epro/ae/:id', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    const decision = field(await formOf(c), 'decision');
    return guarded(c, studyId, async () => {
      await decideAeCandidate(reg, userOf(c).actor, { studyId, id: Number(c.req.param('id')), decision });
      return c.redirect(`/subjects/${encodeURIComponent(studyId)}/epro`, 303);
    });
  });
}
