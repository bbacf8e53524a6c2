// Section 2, baseline characteristics ("Table 1") overall and by site: continuous variables as
// mean (SD) and median [IQR], categorical as n (%), and missing values always shown.

import type {
  CategoricalSummary,
  ContinuousSummary,
  StudyReport,
  Table1Row,
} from '../../analysis/study/types.js';
import { fmt, fmtInt, fmtMeanSd, fmtMedianIqr, MISSING } from '../format.js';
import { Caption, Methods, Num, Section } from './parts.js';

type Summary = ContinuousSummary | CategoricalSummary;

const isCategorical = (s: Summary | undefined): s is CategoricalSummary => s !== undefined && 'levels' in s;
const isContinuous = (s: Summary | undefined): s is ContinuousSummary => s !== undefined && 'mean' in s;

function levelCell(s: Summary | undefined, level: string): string {
  if (!isCategorical(s)) return MISSING;
  const l = s.levels.find((x) => x.level === level);
  if (s.n === 0) return MISSING;
  return `${fmtInt(l?.n ?? 0)} (${fmt(l?.pct ?? 0, 1)})`;
}

function Rows(props: { row: Table1Row; sites: string[] }) {
  const { row, sites } = props;
  const cols = [row.overall, ...sites.map((s) => row.by_site[s])];
  const anyMissing = cols.some((c) => (c?.missing ?? 0) > 0);
  const missing = (
    <tr class="sub miss">
      <td>Missing</td>
      {cols.map((c) => (
        <Num>{c ? fmtInt(c.missing) : MISSING}</Num>
      ))}
    </tr>
  );
  if (row.kind === 'continuous') {
    // One decimal throughout, as journals print Table 1 (ages, scores, T-scores alike).
    const d = 1;
    const cont = (c: Summary | undefined) => (isContinuous(c) ? c : undefined);
    return (
      <>
        <tr class="var">
          <td colspan={cols.length + 1}>{row.label}</td>
        </tr>
        <tr class="sub">
          <td>Mean (SD)</td>
          {cols.map((c) => (
            <Num>{fmtMeanSd(cont(c)?.mean, cont(c)?.sd, d)}</Num>
          ))}
        </tr>
        <tr class="sub">
          <td>Median [IQR]</td>
          {cols.map((c) => (
            <Num>{fmtMedianIqr(cont(c)?.median, cont(c)?.q1, cont(c)?.q3, d)}</Num>
          ))}
        </tr>
        {anyMissing ? missing : null}
      </>
    );
  }
  const levels = isCategorical(row.overall) ? row.overall.levels.map((l) => l.level) : [];
  return (
    <>
      <tr class="var">
        <td colspan={cols.length + 1}>{row.label}, n (%)</td>
      </tr>
      {levels.map((level) => (
        <tr class="sub">
          <td>
            {row.variable === 'pain_scale'
              ? level.toUpperCase()
              : level.charAt(0).toUpperCase() + level.slice(1)}
          </td>
          {cols.map((c) => (
            <Num>{levelCell(c, level)}</Num>
          ))}
        </tr>
      ))}
      {anyMissing ? missing : null}
    </>
  );
}

/** Section 2: baseline characteristics of treated participants, overall and by site. */
export function BaselineSection(props: { report: StudyReport }) {
  const r = props.report;
  const sites = r.meta.sites.map((s) => s.id);
  const nOf = (site: string) => r.sites.find((s) => s.site === site)?.n;
  return (
    <Section id="baseline" no={2} title="Baseline characteristics" major>
      <table>
        <Caption no="2.1">
          Baseline characteristics of treated participants, overall and by site (“Table 1”)
        </Caption>
        <thead>
          <tr>
            <th>Characteristic</th>
            <th class="num">
              Overall
              <br />
              (n = {fmtInt(r.flow.treated)})
            </th>
            {sites.map((s) => {
              const n = nOf(s);
              return (
                <th class="num">
                  {s}
                  <br />
                  (n = {n === undefined ? MISSING : fmtInt(n)})
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {r.table1.map((row) => (
            <Rows row={row} sites={sites} />
          ))}
        </tbody>
      </table>
      <p class="note">
        Percentages are of participants with data; missing values are counted in their own row and are never
        dropped silently. IQR, interquartile range (first and third quartiles).
      </p>
      <Methods methods={r.methods} topic="table1" />
    </Section>
  );
}
