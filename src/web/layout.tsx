import type { Child } from 'hono/jsx';
import type { SessionUser } from '../registry/index.js';
import { NAV } from './nav.js';

/** Every staff page: skip link, header with navigation, site switcher and sign-out, then the page. */
export function Layout(props: {
  title: string;
  user: SessionUser | null;
  nonce: string;
  path: string;
  children?: Child;
}) {
  const { user } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · SIF Registry`}</title>
        <link rel="stylesheet" href="/static/app.css" />
        <script src="/static/app.js" defer nonce={props.nonce} />
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href="/">
            SIF Registry
          </a>
          {user ? (
            <nav aria-label="Main">
              <ul>
                {NAV.filter((n) => n.roles.includes(user.role)).map((n) => (
                  <li>
                    <a
                      href={n.href}
                      aria-current={
                        props.path === n.href || props.path.startsWith(`${n.href}/`) ? 'page' : undefined
                      }
                    >
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {user ? <UserBox user={user} path={props.path} /> : null}
        </header>
        <main id="main">{props.children}</main>
      </body>
    </html>
  );
}

function UserBox(props: { user: SessionUser; path: string }) {
  const { user } = props;
  return (
    <div class="userbox">
      <span>
        {user.fullName ?? user.username} <span class="muted">({user.role})</span>
      </span>
      {user.sites.length > 1 ? (
        <form method="post" action="/session/site" class="inline">
          <input type="hidden" name="back" value={props.path} />
          <label for="site-switch">Site</label>
          <select id="site-switch" name="site">
            {user.sites.map((s) => (
              <option value={s} selected={s === user.actor.siteId}>
                {s}
              </option>
            ))}
          </select>
          <button type="submit">Switch</button>
        </form>
      ) : user.actor.siteId ? (
        <span>Site {user.actor.siteId}</span>
      ) : null}
      <a href="/account/password">Password</a>
      <form method="post" action="/logout" class="inline">
        <button type="submit">Sign out</button>
      </form>
    </div>
  );
}
