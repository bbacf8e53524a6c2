import { RegistryError } from '../../errors.js';
import { eproMessages, markSentByHand } from '../../registry/epro-invitations.js';
import { OutboxPage } from '../../web/epro-staff/outbox-page.js';
import type { AppDeps } from '../deps.js';
import { renderPage } from '../render.js';
import { type RouteTable, userOf } from '../router.js';

const SITE_STAFF = ['coordinator', 'investigator'] as const;

/** The ePRO outbox and send log of the staff member's sites (docs/web.md). */
export function eproOutboxRoutes(routes: RouteTable, deps: AppDeps): void {
  const reg = deps.registry;
  routes.get('/epro/outbox', SITE_STAFF, async (c) => {
    const actor = userOf(c).actor;
    const [outbox, log] = await Promise.all([
      eproMessages(reg, actor, { waiting: true }),
      eproMessages(reg, actor, { limit: 200 }),
    ]);
    return renderPage(c, 'ePRO messages', <OutboxPage outbox={outbox} log={log} />);
  });
  routes.post('/epro/outbox/:id/sent', SITE_STAFF, async (c) => {
    const actor = userOf(c).actor;
    try {
      await markSentByHand(reg, actor, Number(c.req.param('id')));
    } catch (error) {
      if (!(error instanceof RegistryError) || error.status !== 409) throw error;
      const [outbox, log] = await Promise.all([
        eproMessages(reg, actor, { waiting: true }),
        eproMessages(reg, actor, { limit: 200 }),
      ]);
      return renderPage(
        c,
        'ePRO messages',
        <OutboxPage outbox={outbox} log={log} error={error.message} />,
        409,
      );
    }
    return c.redirect('/epro/outbox', 303);
  });
}
