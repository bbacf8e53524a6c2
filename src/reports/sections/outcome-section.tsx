// Sections 3 and 4: one patient-reported outcome (pain, ODI) with all its tables, each followed by
// its methods paragraph, and the chart of means by visit and site.

import type { OutcomeReport, StudyReport } from '../../analysis/study/types.js';
import { outcomeChartSvg } from '../charts/outcome-chart.js';
import { LmmTable } from './lmm-table.js';
import { BySiteTable, ByVisitTable, ChangeTable, RespondersTable } from './outcome-tables.js';
import { Figure, Methods, Section } from './parts.js';

export interface OutcomeSectionProps {
  report: StudyReport;
  outcome: OutcomeReport;
  id: string;
  no: number;
  title: string;
  /** Lower-case name in running text, e.g. "pain". */
  name: string;
  yLabel: string;
  yDomain: [number, number];
}

/** A full outcome section: by visit, by site, change, responders, mixed model, figure. */
export function OutcomeSection(props: OutcomeSectionProps) {
  const { report: r, outcome: o, no } = props;
  const base = { outcome: o, meta: r.meta, no: String(no), digits: 1 };
  const svg = outcomeChartSvg(o, r.meta, {
    title: `${props.title} by visit`,
    yLabel: props.yLabel,
    yDomain: props.yDomain,
  });
  return (
    <Section id={props.id} no={no} title={props.title} major>
      <ByVisitTable {...base} sub="1" />
      <BySiteTable {...base} sub="2" />
      <Methods methods={r.methods} topic="outcomes" />
      <Figure no={String(no)} svg={svg}>
        {props.title}: mean and 95% confidence interval at each visit, all sites (black) and by site; site
        series are offset sideways so their intervals do not overlap. The y axis spans the whole scale.
      </Figure>
      <ChangeTable {...base} sub="3" />
      <Methods methods={r.methods} topic="change" />
      <RespondersTable {...base} sub="4" />
      <Methods methods={r.methods} topic="responders" />
      <LmmTable lmm={o.lmm} meta={r.meta} label={props.name} no={`${no}.5`} digits={1} />
      <Methods methods={r.methods} topic="lmm" />
    </Section>
  );
}
