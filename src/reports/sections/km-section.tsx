// Section 6, time to opioid cessation: Kaplan–Meier curves with numbers at risk, medians with
// their CIs, survival at fixed days, and the log-rank test across sites.

import type { KmPoint, StudyReport } from '../../analysis/study/types.js';
import { AT_RISK_DAYS, kmChartSvg } from '../charts/km-chart.js';
import { fmt, fmtCi, fmtInt, fmtPct, fmtPText, MISSING } from '../format.js';
import { Caption, Figure, Methods, Num, Section } from './parts.js';

/** The Kaplan–Meier estimate at `day` (last step at or before it); null past the last time. */
export function survivalAt(km: readonly KmPoint[], day: number): KmPoint | null {
  if (day <= 0) return { day: 0, surv: 1, lower: 1, upper: 1, n_risk: 0, n_event: 0, n_censor: 0 };
  const last = km[km.length - 1];
  if (!last || day > last.day) return null;
  let at: KmPoint | null = null;
  for (const p of km) if (p.day <= day) at = p;
  return at ?? { day: 0, surv: 1, lower: 1, upper: 1, n_risk: 0, n_event: 0, n_censor: 0 };
}

/** Section 6: time to opioid cessation. */
export function KmSection(props: { report: StudyReport }) {
  const r = props.report;
  const t = r.time_to_event.opioid_cessation;
  const lr = t.logrank_site;
  const groups = [
    {
      label: 'Overall',
      n: t.n,
      events: t.events,
      km: t.km,
      median: t.median_days,
      ci: fmtCi(t.median_lower, t.median_upper, 0),
    },
    ...r.meta.sites.map((s) => {
      const b = t.by_site.find((x) => x.site === s.id);
      return {
        label: s.id,
        n: b?.n ?? 0,
        events: b?.events ?? 0,
        km: b?.km ?? [],
        median: b?.median_days ?? null,
        ci: '',
      };
    }),
  ];
  // Days past every group's last follow-up time would be a column of dashes: left out (the chart keeps them).
  const days = AT_RISK_DAYS.filter((d) => d > 0 && groups.some((g) => survivalAt(g.km, d) !== null));
  const cell = (km: KmPoint[], day: number) => {
    const p = survivalAt(km, day);
    return p
      ? `${fmt(p.surv * 100, 0)} (${fmtCi(p.lower === null ? null : p.lower * 100, p.upper === null ? null : p.upper * 100, 0)})`
      : MISSING;
  };
  return (
    <Section id="cessation" no={6} title="Time to opioid cessation" major>
      <Figure no="6" svg={kmChartSvg(t, r.meta)}>
        Kaplan–Meier estimate of the proportion of participants still taking opioids, among those taking
        opioids at baseline, overall (black, shaded 95% confidence band) and by site; + marks censoring.
        Numbers at risk are given under the time axis.
      </Figure>
      <table>
        <Caption no="6.1">
          Time to opioid cessation: median and percentage still taking opioids (95% CI) at fixed days
        </Caption>
        <thead>
          <tr>
            <th>Group</th>
            <th class="num">n</th>
            <th class="num">Stopped</th>
            <th class="num">Median, days</th>
            <th class="ci">95% CI</th>
            {days.map((d) => (
              <th class="num">Day {d}, %</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {groups.map((g, i) => (
            <tr class={i === 0 ? 'strong' : ''}>
              <td>{g.label}</td>
              <Num>{fmtInt(g.n)}</Num>
              <Num>{fmtInt(g.events)}</Num>
              <Num>{g.median === null ? 'not reached' : fmt(g.median, 0)}</Num>
              <Num>{i === 0 ? g.ci : MISSING}</Num>
              {days.map((d) => (
                <Num>{cell(g.km, d)}</Num>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <td colspan={5 + days.length}>
              Log-rank test across sites: χ² = {fmt(lr.chisq, 2)}, df = {lr.df}, {fmtPText(lr.p)}.
            </td>
          </tr>
        </tfoot>
      </table>
      <p class="note">
        Percentages are Kaplan–Meier estimates with log-scale 95% CIs; — beyond a group’s last follow-up time,
        where the curve is not estimated (no extrapolation). The median’s CI is given for the pooled curve
        only.
      </p>
      <p class="note" data-note="turnbull">
        Sensitivity analysis (interval-censored, Turnbull): median time to cessation{' '}
        {t.turnbull_median_days == null ? 'not reached' : `${fmt(t.turnbull_median_days, 0)} days`}
        {t.turnbull?.length
          ? `; still taking opioids at day ${fmt(t.turnbull.at(-1)!.day, 0)}: ${fmtPct(t.turnbull.at(-1)!.surv)}%`
          : ''}
        .
      </p>
      <Methods methods={r.methods} topic="km" />
    </Section>
  );
}
