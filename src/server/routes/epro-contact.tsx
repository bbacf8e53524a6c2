import type { Context } from 'hono';
import { RegistryError } from '../../errors.js';
import { type EproContact, eproContact, setEproContact } from '../../registry/epro-invitations.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { field, formOf, renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';

const SITE_STAFF = ['coordinator', 'investigator'] as const;

const CHANNELS = { email: 'E-mail', phone: 'Phone (staff call)', in_clinic: 'In clinic' } as const;

/** A subject's ePRO contact (own site staff only): e-mail, preferred channel, e-mail declined. */
export function eproContactRoutes(routes: RouteTable, deps: AppDeps): void {
  const reg = deps.registry;
  const page = (c: Context<AppEnv>, studyId: string, contact: EproContact, error?: string) => {
    const base = `/subjects/${encodeURIComponent(studyId)}`;
    return renderPage(
      c,
      `ePRO contact of ${studyId}`,
      <section class="panel">
        <h1>ePRO contact of {studyId}</h1>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        {contact.lastEmailBounced ? (
          <p class="error">
            Last e-mail bounced ({contact.lastEmailBounced.toISOString().slice(0, 10)}): the mail server
            refused the address. Check it with the patient.
          </p>
        ) : null}
        <form method="post" action={`${base}/epro/contact`}>
          <p>
            <label for="contact-email">E-mail address</label>{' '}
            <input
              id="contact-email"
              name="email"
              type="email"
              value={contact.email ?? ''}
              autocomplete="off"
            />
          </p>
          <fieldset>
            <legend>Preferred channel for questionnaires</legend>
            {(Object.keys(CHANNELS) as (keyof typeof CHANNELS)[]).map((k) => (
              <label>
                <input type="radio" name="channel" value={k} checked={contact.channel === k} /> {CHANNELS[k]}
              </label>
            ))}
          </fieldset>
          <p>
            <label>
              <input type="checkbox" name="emailDeclined" value="yes" checked={contact.emailDeclined} /> The
              patient declined e-mail (messages then wait in the outbox for staff)
            </label>
          </p>
          <button type="submit">Save</button>
        </form>
        <p>
          <a href={`${base}/epro`}>ePRO links</a> · <a href={base}>Back to the participant</a>
        </p>
      </section>,
      error ? 422 : 200,
    );
  };

  routes.get('/subjects/:studyId/epro/contact', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    return page(c, studyId, await eproContact(reg, userOf(c).actor, studyId));
  });

  routes.post('/subjects/:studyId/epro/contact', SITE_STAFF, async (c) => {
    const studyId = c.req.param('studyId') ?? '';
    const form = await formOf(c);
    const input = {
      studyId,
      email: field(form, 'email').trim(),
      channel: field(form, 'channel') as EproContact['channel'],
      emailDeclined: field(form, 'emailDeclined') === 'yes',
    };
    try {
      await setEproContact(reg, userOf(c).actor, input);
    } catch (error) {
      if (!(error instanceof RegistryError) || error.code !== 'VALIDATION_FAILED') throw error;
      return page(
        c,
        studyId,
        {
          email: input.email || null,
          channel: input.channel,
          emailDeclined: input.emailDeclined,
          lastEmailBounced: null,
        },
        error.message,
      );
    }
    return c.redirect(`/subjects/${encodeURIComponent(studyId)}/epro/contact`, 303);
  });
}
