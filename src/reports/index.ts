// The study report: built from the registry as data (`StudyReport`, the JSON format), rendered as
// one self-contained HTML page with inline SVG charts, and printed to PDF through Chromium.
export { flowDiagramSvg } from './charts/flow-diagram.js';
export { funnelChartSvg } from './charts/funnel-chart.js';
export { AT_RISK_DAYS, kmChartSvg } from './charts/km-chart.js';
export { type OutcomeChartOptions, outcomeChartSvg } from './charts/outcome-chart.js';
export { fmt, fmtCi, fmtP, MISSING } from './format.js';
export { REPORT_SECTIONS, renderReportHtml } from './render-html.js';
export { CHROMIUM_ARGS, chromiumPath, type PdfOptions, renderReportPdf } from './render-pdf.js';
export { buildStudyReport } from './study-report.js';
export type * from './types.js';
