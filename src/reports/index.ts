// The study report's rendering: the analysis' `StudyReport` as one self-contained HTML page with
// inline SVG charts, and printed to PDF through Chromium. Computes nothing.

export type * from '../analysis/study/types.js';
export { flowDiagramSvg } from './charts/flow-diagram.js';
export { funnelChartSvg } from './charts/funnel-chart.js';
export { AT_RISK_DAYS, kmChartSvg } from './charts/km-chart.js';
export { type OutcomeChartOptions, outcomeChartSvg } from './charts/outcome-chart.js';
export { fmt, fmtCi, fmtP, MISSING } from './format.js';
export { REPORT_SECTIONS, renderReportHtml } from './render-html.js';
export { CHROMIUM_ARGS, chromiumPath, type PdfOptions, renderReportPdf } from './render-pdf.js';
