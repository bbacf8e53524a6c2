// The study report as one self-contained HTML page: inline CSS and SVG, no scripts, no external
// resources, so it can be mailed, archived, or printed to PDF as it is.

import type { StudyReport } from '../analysis/study/types.js';
import { fmtDate, fmtInt, MISSING } from './format.js';
import { REPORT_CSS } from './report-css.js';
import { BaselineSection } from './sections/baseline-section.js';
import { CareSection } from './sections/care-section.js';
import { FlowSection } from './sections/flow-section.js';
import { KmSection } from './sections/km-section.js';
import { OpioidSection } from './sections/opioid-section.js';
import { OutcomeSection } from './sections/outcome-section.js';
import { SafetySection } from './sections/safety-section.js';
import { CompletenessSection, FunnelSection } from './sections/sites-section.js';

/** Section ids and headings in report order (the table of contents and tests use it). */
export const REPORT_SECTIONS: readonly { id: string; title: string }[] = [
  { id: 'flow', title: 'Participant flow' },
  { id: 'baseline', title: 'Baseline characteristics' },
  { id: 'pain', title: 'Pain' },
  { id: 'odi', title: 'Disability (Oswestry Disability Index)' },
  { id: 'opioids', title: 'Opioid use' },
  { id: 'cessation', title: 'Time to opioid cessation' },
  { id: 'adverse-events', title: 'Adverse events' },
  { id: 'care-gap', title: 'Osteoporosis care gap' },
  { id: 'completeness', title: 'Follow-up completeness' },
  { id: 'sites', title: 'Sites against the pool' },
];

function TitleBlock(props: { report: StudyReport }) {
  const { meta, flow } = props.report;
  const time = meta.generated_at.slice(11, 16);
  return (
    <header>
      <p class="kicker">SIF Registry · Study report</p>
      <h1>{meta.title}</h1>
      <p class="subtitle">{meta.protocol.title}</p>
      <dl class="facts">
        <dt>Protocol</dt>
        <dd>
          {meta.protocol.id}, version {meta.protocol.version}
        </dd>
        <dt>Generated</dt>
        <dd>
          {fmtDate(meta.generated_at)}
          {/^\d\d:\d\d$/.test(time) ? `, ${time} UTC` : ''}
        </dd>
        <dt>Participants</dt>
        <dd>
          {fmtInt(meta.n_subjects)} in the registry; {fmtInt(flow.enrolled)} enrolled, {fmtInt(flow.treated)}{' '}
          treated
        </dd>
        <dt>Sites ({meta.sites.length})</dt>
        <dd>
          {meta.sites.map((s, i) => (
            <>
              {i > 0 ? '; ' : ''}
              <strong>{s.id}</strong> {s.name}
            </>
          ))}
        </dd>
        <dt>Visits</dt>
        <dd>{meta.visits.map((v) => v.label).join(' · ')}</dd>
      </dl>
      <p class="conventions">
        <strong>Conventions.</strong> {MISSING} not estimable or no data (for example, no participant due yet,
        or too few for a standard deviation or test). CI, confidence interval (95% unless stated); p-values
        are two-sided and printed to three decimals, below 0.001 as &lt;0.001. SD, standard deviation; IQR,
        interquartile range; MCID, minimal clinically important difference; MME, morphine milligram
        equivalents per day; ODI, Oswestry Disability Index; NRS, numeric rating scale.
      </p>
      <nav class="toc" aria-label="Contents">
        <ol>
          {REPORT_SECTIONS.map((s) => (
            <li>
              <a href={`#${s.id}`}>{s.title}</a>
            </li>
          ))}
        </ol>
      </nav>
    </header>
  );
}

/** The audit chain head the report was read at, as `sifreg audit verify` prints it (COUNT:HASH). */
function AuditFooter(props: { report: StudyReport }) {
  const head = props.report.meta.audit_head;
  return (
    <footer class="audit-head">
      {head ? (
        <p>
          Read from the registry at audit chain head <code>{`${head.count}:${head.hash}`}</code> (
          {fmtInt(head.count)} events);{' '}
          <code>sifreg audit verify --expect-head {`${head.count}:${head.hash}`}</code> checks that this state
          is still in the chain.
        </p>
      ) : (
        <p>Not read from a registry: no audit chain head.</p>
      )}
    </footer>
  );
}

function ReportPage(props: { report: StudyReport }) {
  const r = props.report;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="generator" content="SIF Registry" />
        <title>{`${r.meta.title} — ${r.meta.protocol.id} v${r.meta.protocol.version}`}</title>
        <style dangerouslySetInnerHTML={{ __html: REPORT_CSS }} />
      </head>
      <body>
        <TitleBlock report={r} />
        <main>
          <FlowSection report={r} />
          <BaselineSection report={r} />
          <OutcomeSection
            report={r}
            outcome={r.outcomes.pain}
            id="pain"
            no={3}
            title="Pain"
            name="pain"
            yLabel="Pain, NRS 0–10 (mean, 95% CI)"
            yDomain={[0, 10]}
          />
          <OutcomeSection
            report={r}
            outcome={r.outcomes.odi}
            id="odi"
            no={4}
            title="Disability (Oswestry Disability Index)"
            name="ODI"
            yLabel="ODI, % (mean, 95% CI)"
            yDomain={[0, 100]}
          />
          <OpioidSection report={r} />
          <KmSection report={r} />
          <SafetySection report={r} />
          <CareSection report={r} />
          <CompletenessSection report={r} />
          <FunnelSection report={r} />
        </main>
        <AuditFooter report={r} />
      </body>
    </html>
  );
}

/** Renders the study report as one self-contained HTML document (UTF-8, inline CSS and SVG, no scripts). */
export function renderReportHtml(report: StudyReport): string {
  const out = (<ReportPage report={report} />).toString();
  // Every component is synchronous, so Hono returns a string; a Promise would mean an async component slipped in.
  if (typeof out !== 'string') throw new TypeError('report rendering must be synchronous');
  return `<!doctype html>\n${out}`;
}
