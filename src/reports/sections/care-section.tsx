// Section 8, the osteoporosis care gap: fracture liaison KPIs per site and overall, banded
// red / amber / green, and the number of treated participants still without bone medication.

import type { Band, Proportion, StudyReport } from '../../analysis/study/types.js';
import { fmtCount, fmtInt, fmtP, fmtPropCi } from '../format.js';
import { Caption, Methods, Section } from './parts.js';

const BAND_TEXT: Record<Band, string> = {
  red: 'red (< 50%)',
  amber: 'amber (50–80%)',
  green: 'green (> 80%)',
  none: 'no eligible participants',
};

/** One KPI cell: x/n (%) on the band's tint, with the band named for screen readers and greyscale print. */
function KpiCell(props: { p: Proportion & { band: Band } }) {
  const { p } = props;
  return (
    <td class={`num band-${p.band}`} title={BAND_TEXT[p.band]}>
      {fmtCount(p.x, p.n, 0)}
      <span class="sr"> — band {BAND_TEXT[p.band]}</span>
    </td>
  );
}

/** Section 8: osteoporosis care after the fracture. */
export function CareSection(props: { report: StudyReport }) {
  const r = props.report;
  const sites = r.meta.sites.map((s) => s.id);
  return (
    <Section id="care-gap" no={8} title="Osteoporosis care gap">
      <p>
        <strong>{fmtInt(r.care_gap.untreated)}</strong> treated participants past week 16 have no bone
        medication started; each appears on the sites’ worklists.
      </p>
      <table>
        <Caption no="8.1">
          Fracture liaison KPIs: participants meeting each indicator, n/N (%), by site and overall
        </Caption>
        <thead>
          <tr>
            <th>Indicator</th>
            {sites.map((s) => (
              <th class="num">{s}</th>
            ))}
            <th class="num">Overall</th>
            <th class="ci">95% CI, % (overall)</th>
            <th class="num">p (sites)</th>
          </tr>
        </thead>
        <tbody>
          {r.care_gap.kpis.map((k) => (
            <tr>
              <td>{k.label}</td>
              {sites.map((s) => {
                const p = k.by_site.find((b) => b.site === s);
                return p ? <KpiCell p={p} /> : <td class="num band-none">—</td>;
              })}
              <KpiCell p={k.overall} />
              <td class="ci">{fmtPropCi(k.overall)}</td>
              <td class="num">{fmtP(k.p_sites ?? null)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="note">
        Bands:
        <span class="swatch red" />
        red, below 50%
        <span class="swatch amber" />
        amber, 50–80%
        <span class="swatch green" />
        green, above 80%. Denominators are participants for whom the indicator was due by the report date.
      </p>
      <Methods methods={r.methods} topic="care_gap" />
    </Section>
  );
}
