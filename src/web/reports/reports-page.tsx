// The reports page: what the signed-in role may download (the study report, the site's tidy export).

export interface ReportsPageProps {
  /** The study report across every site (monitor, statistician). */
  studyReport: boolean;
  /** The tidy export of the active site's own data (site staff), with the site. */
  tidySite: string | null;
  /** The de-identified export: 'all sites', the active site, or null when the role may not take it. */
  deidentified?: string | null;
}

/** Links to each download the role may take; every download is recorded in the audit trail. */
export function ReportsPage(props: ReportsPageProps) {
  return (
    <>
      <h1>Reports and exports</h1>
      <p class="muted">Every report and export you download is recorded in the audit trail.</p>
      {props.studyReport ? (
        <section class="panel" aria-labelledby="study-report">
          <h2 id="study-report">Study report</h2>
          <p>
            Every analysis of the study on one snapshot of the registry, across all sites: participant flow,
            baseline characteristics, pain, disability and opioid use by visit with change from baseline,
            adverse events, the osteoporosis care gap, completeness and sites against the pool.
          </p>
          <ul class="downloads">
            <li>
              <a href="/reports/study.html" download>
                Study report, HTML
              </a>{' '}
              <span class="muted">(one self-contained file with its charts)</span>
            </li>
            <li>
              <a href="/reports/study.pdf" download>
                Study report, PDF
              </a>{' '}
              <span class="muted">(printed to A4; takes a few seconds)</span>
            </li>
            <li>
              <a href="/reports/study.json" download>
                Study report, JSON
              </a>{' '}
              <span class="muted">(the numbers, for statistical software)</span>
            </li>
          </ul>
        </section>
      ) : null}
      {props.tidySite !== null ? (
        <section class="panel" aria-labelledby="tidy-export">
          <h2 id="tidy-export">Data export of {props.tidySite}</h2>
          <p>
            Every form and visit of the participants at {props.tidySite} as tidy CSV, one row per answered
            item (<code>study_id,site,visit,instrument,instance,item,value</code>). Study ids only:
            identifiers never leave in it.
          </p>
          <p>
            <a href="/exports/tidy.csv" download>
              Tidy CSV of {props.tidySite}
            </a>
          </p>
        </section>
      ) : null}
      {props.deidentified ? (
        <section class="panel" aria-labelledby="deidentified-export">
          <h2 id="deidentified-export">De-identified export ({props.deidentified})</h2>
          <p>
            The tidy CSV for analysis: every date moved by each participant's own random offset (intervals
            within a participant kept, times of day kept), free-text answers and signatures left out, study
            ids and missing-data codes kept.
          </p>
          <p>
            <a href="/exports/deidentified.csv" download>
              De-identified CSV ({props.deidentified})
            </a>
          </p>
        </section>
      ) : null}
      {!props.studyReport && props.tidySite === null && !props.deidentified ? (
        <section class="panel">
          <p>Your role has no reports or exports at the active site.</p>
        </section>
      ) : null}
    </>
  );
}
