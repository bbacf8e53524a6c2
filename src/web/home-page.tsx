import type { Protocol } from '../protocol/index.js';

/** The landing page: what this server is; no patient data before sign-in. */
export function HomePage(props: { protocol: Protocol }) {
  const { protocol } = props;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>SIF Registry</title>
        <style>{`body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1d2733}
h1{font-size:1.6rem;margin-bottom:.2rem}p.lead{color:#4a5868;margin-top:0}
table{border-collapse:collapse;margin-top:1rem}td,th{text-align:left;padding:.25rem .75rem;border-bottom:1px solid #dde3ea}`}</style>
      </head>
      <body>
        <h1>SIF Registry</h1>
        <p class="lead">Multicenter outcomes registry for sacroplasty of sacral insufficiency fractures.</p>
        <p>
          Protocol <strong>{protocol.title}</strong> ({protocol.id} v{protocol.version}).
        </p>
        <table>
          <thead>
            <tr>
              <th>Visit</th>
              <th>Forms</th>
            </tr>
          </thead>
          <tbody>
            {protocol.visits.map((v) => (
              <tr>
                <td>{v.label}</td>
                <td>{v.instruments.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </body>
    </html>
  );
}
