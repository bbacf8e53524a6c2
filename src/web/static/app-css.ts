/** The staff application's stylesheet, served at /static/app.css (no inline styles: the CSP has no unsafe-inline). */
export const APP_CSS = `
:root{--ink:#1d2733;--muted:#4f5d6d;--line:#cfd8e3;--bg:#f6f8fb;--accent:#0b5cad;--ok:#1d6b38;--warn:#8a5300;--bad:#a4161a;--focus:#ffbf47}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}
.skip:focus{left:.5rem;z-index:10}
.top{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center;background:#12304f;color:#fff;padding:.5rem 1rem}
.top a{color:#fff}
.brand{font-weight:700;text-decoration:none;font-size:1.1rem}
.top nav ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}
.top nav a[aria-current=page]{text-decoration:underline;text-underline-offset:4px;font-weight:600}
.userbox{margin-left:auto;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
.userbox .muted{color:#d5e2f0}
.userbox button,.userbox select{font:inherit;font-size:.9rem}
main{max-width:80rem;margin:1rem auto;padding:0 1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:1rem 1.25rem;margin-bottom:1rem}
.muted{color:var(--muted)}
form.inline{display:inline-flex;gap:.4rem;align-items:center;margin:0}
label{font-weight:600}
input,select,textarea,button{font:inherit}
input[type=text],input[type=password],input[type=number],input[type=date],input[type=time],input[type=email],select,textarea{padding:.4rem .5rem;border:1px solid #7a8899;border-radius:4px;max-width:100%}
button,.button{display:inline-block;padding:.45rem .9rem;border:1px solid var(--accent);background:var(--accent);color:#fff;border-radius:4px;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}
.field{margin:0 0 1rem}
.field label,.field legend{display:block;margin-bottom:.25rem}
.hint{color:var(--muted);font-size:.9rem;margin:.1rem 0 .3rem}
.field-error{color:var(--bad);font-weight:600;margin:.1rem 0 .3rem}
.field.invalid input,.field.invalid select,.field.invalid textarea{border:2px solid var(--bad)}
.error-summary{border:3px solid var(--bad);background:#fff;padding:.75rem 1rem;margin-bottom:1rem}
.error-summary h2{margin-top:0;color:var(--bad)}
.notice{border-left:5px solid var(--ok);background:#fff;padding:.5rem 1rem;margin-bottom:1rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:#eef2f7}
.table-wrap{overflow-x:auto}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.85rem;border:1px solid currentColor}
.band-green{color:var(--ok)}.band-amber{color:var(--warn)}.band-red{color:var(--bad)}
.login{max-width:24rem;margin:3rem auto}
/* Data entry (src/web/forms) */
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.breadcrumb{margin:.25rem 0;font-size:.95rem}
fieldset.field{border:1px solid var(--line);border-radius:4px;padding:.5rem .75rem;background:#fff}
fieldset.field legend{font-weight:600;padding:0 .25rem}
.item-form .field,.visit-record .field{background:#fff;border:1px solid var(--line);border-radius:4px;padding:.5rem .75rem}
.options{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem}
.options.many{display:grid;grid-template-columns:repeat(auto-fill,minmax(16rem,1fr))}
.option{display:flex;gap:.35rem;align-items:center}
.option label{font-weight:400;display:inline;margin:0}
.input-row{display:inline-flex;gap:.4rem;align-items:center}
.unit{color:var(--muted)}
input.num{width:8rem}
input.text{width:32rem}
.required{font-weight:400;color:var(--muted)}
.missing-control{margin-top:.4rem;font-size:.9rem}
.missing-control label{display:inline;font-weight:400;margin-right:.4rem}
.field.is-missing{border-style:dashed}
.error-line{display:block}
.actions{display:flex;gap:.75rem;margin:1rem 0}
.live-score output{font-weight:700;font-size:1.1rem}
.conflict{border:3px solid var(--warn)}
.score-list{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:0}
.score-list dd{margin:0;font-weight:600}
.answers{display:grid;grid-template-columns:minmax(10rem,max-content) 1fr;gap:.25rem 1rem}
.answers dd{margin:0}
.status-complete,.status-signed{color:var(--ok)}.status-draft{color:var(--warn)}.status-locked{color:#12304f}
.history td{font-variant-numeric:tabular-nums}
/* Subject page, enrolment, reports (src/web/subjects, src/web/reports) */
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0 0 1rem}
.facts dt{font-weight:600}.facts dd{margin:0}
.facts.summary{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem}
.enrol fieldset{border:1px solid var(--line);border-radius:4px;margin:0 0 1rem;padding:.5rem 1rem}
.enrol legend{font-weight:700;padding:0 .25rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,30rem),1fr));gap:1rem}
.chart{margin:0}.chart figcaption{font-weight:600;margin-bottom:.25rem}
.chart svg{display:block;height:auto;max-width:100%;background:#fff;font-size:11px;overflow:visible}
.chart svg text{white-space:pre}
.state{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:.9rem;border:1px solid currentColor}
.state-overdue,.state-missed,.state-open-query{color:var(--bad)}
.state-due,.state-in-window,.state-done-out-of-window{color:var(--warn)}
.state-done,.state-signed,.state-locked{color:var(--ok)}
.state-not-yet-due,.state-ended{color:var(--muted)}
.records{list-style:none;padding:0;margin:0}
.records>li{border-top:1px solid var(--line);padding:.5rem 0}
.downloads li{margin:.25rem 0}
button.danger{background:var(--bad);border-color:var(--bad)}
textarea{width:32rem;max-width:100%}
`;
