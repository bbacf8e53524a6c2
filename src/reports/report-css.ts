// The report's one stylesheet, inlined into the HTML: journal typography (serif text, sans-serif
// tables and figures with tabular numerals), booktabs rules, and A4 print layout for the PDF.

const SERIF =
  "'Source Serif 4', 'Source Serif Pro', Charter, 'Iowan Old Style', Georgia, 'Liberation Serif', 'DejaVu Serif', serif";
const SANS =
  "'Source Sans 3', 'Helvetica Neue', Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";

/** CSS for screen and print; no external fonts or images, so the file reads the same offline. */
export const REPORT_CSS = `
:root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #1b1b1b; --hair: #c8c8c8; --shade: #f4f4f2; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0 auto; max-width: 182mm; padding: 14mm 0 20mm; color: var(--ink);
  font: 10.5pt/1.45 ${SERIF}; font-kerning: normal; }
h1, h2, h3, .kicker, caption, figcaption, table, .facts, nav, .chart { font-family: ${SANS}; }
h1 { font-size: 20pt; line-height: 1.2; margin: 0.2em 0 0.25em; font-weight: 700; letter-spacing: -0.01em; }
h2 { font-size: 13.5pt; margin: 2.2em 0 0.6em; padding-top: 0.4em; border-top: 1.5px solid var(--rule); }
h2 .no { display: inline-block; min-width: 1.6em; color: var(--muted); font-weight: 600; }
h3 { font-size: 10.5pt; margin: 1.6em 0 0.4em; }
p { margin: 0.4em 0 0.6em; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; font-size: 8.5pt; color: var(--muted); margin: 0; }
.subtitle { font-size: 12pt; margin: 0 0 0.8em; color: #333; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1.2em; margin: 0.8em 0; font-size: 9pt; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; }
.conventions { font-size: 8.5pt; color: #333; border-top: 0.5px solid var(--hair); border-bottom: 0.5px solid var(--hair);
  padding: 0.4em 0; margin: 1em 0; }
nav.toc { font-size: 9pt; columns: 2; column-gap: 2em; margin: 0.6em 0 0; }
nav.toc ol { margin: 0; padding-left: 1.6em; }
nav.toc a { color: inherit; text-decoration: none; }

/* Tables: booktabs — heavy top and bottom rules, a light rule under the header, no verticals. */
table { border-collapse: collapse; width: 100%; margin: 0.9em 0 0.2em; font-size: 8.5pt; line-height: 1.3;
  font-variant-numeric: tabular-nums lining-nums; border-top: 1.2px solid var(--rule); border-bottom: 1.2px solid var(--rule); }
table.narrow { width: auto; min-width: 62%; }
caption { caption-side: top; text-align: left; font-size: 9pt; padding: 0 0 0.45em; line-height: 1.35; }
caption .tno, figcaption .tno { font-weight: 700; margin-right: 0.35em; }
thead th { font-weight: 600; vertical-align: bottom; border-bottom: 0.6px solid var(--rule); padding: 0.35em 0.5em 0.3em; }
thead tr.group th { border-bottom: 0.5px solid var(--hair); text-align: center; padding-bottom: 0.15em; }
thead tr.group th.blank { border-bottom: none; }
th, td { padding: 0.18em 0.5em; text-align: left; vertical-align: top; }
th:first-child, td:first-child { padding-left: 0; }
th:last-child, td:last-child { padding-right: 0; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.ci, th.ci { text-align: right; white-space: nowrap; }
tbody tr.var td { font-weight: 600; padding-top: 0.45em; }
tbody tr.sub td:first-child { padding-left: 1.1em; }
tbody tr.miss td { color: var(--muted); font-style: italic; }
tbody tr.total td { border-top: 0.5px solid var(--hair); font-weight: 600; }
tbody tr.sep td { border-top: 0.5px solid var(--hair); }
tbody tr.strong td { font-weight: 600; }
tfoot td { border-top: 0.6px solid var(--rule); font-size: 8pt; color: #333; padding-top: 0.3em; }
.note { font-size: 8pt; color: #333; margin: 0.25em 0 0; }
.methods { font-size: 8.5pt; line-height: 1.4; color: #333; margin: 0.35em 0 1.3em; }
.methods .lead { font-weight: 700; font-style: normal; color: var(--ink); }
.empty { font-style: italic; color: var(--muted); }

/* Figures: the SVG scales to the column; captions below, as journals set them. */
figure { margin: 1.2em 0 1.4em; }
.chart svg { display: block; width: 100%; height: auto; max-width: 100%; color: var(--ink); }
figcaption { font-size: 8.5pt; line-height: 1.4; margin-top: 0.4em; color: #333; }

/* Care-gap bands and completeness heat: pale tints that survive greyscale printing next to the numbers. */
td.band-red { background: #f6d5d1; }
td.band-amber { background: #f8e7c2; }
td.band-green { background: #d7ead3; }
td.band-none { color: var(--muted); }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; vertical-align: -0.12em; margin: 0 0.25em 0 0.6em; border: 0.5px solid #999; }
.swatch.red { background: #f6d5d1; } .swatch.amber { background: #f8e7c2; } .swatch.green { background: #d7ead3; }
td.heat { text-align: right; white-space: nowrap; }
.heat-0 { background: #fff; } .heat-1 { background: #eef3f8; } .heat-2 { background: #dde7f1; }
.heat-3 { background: #f8e7c2; } .heat-4 { background: #f6d5d1; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
footer.audit-head { margin-top: 2em; border-top: 1px solid #ccc; font-size: 0.85em; color: #555; }
footer.audit-head code { word-break: break-all; }

@page { size: A4; margin: 16mm 15mm 18mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  section.major { break-before: page; }
  h2 { margin-top: 0; }
  h2, h3, caption { break-after: avoid; }
  thead { display: table-header-group; }
  tfoot { display: table-footer-group; }
  tr, figure, .methods, table.narrow { break-inside: avoid; }
  td.band-red, td.band-amber, td.band-green, .swatch, td.heat { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
