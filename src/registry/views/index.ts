// Read models of the staff web application (issue 8 §3.1–3.4): the participants × visits grid, the
// worklists, the site dashboard and the subject page, as plain data. Every read is scoped inside
// (scope.ts) and every state comes from schedule/, the rule the study report uses.
export { type CareState, careState } from './care-state.js';
export { type SiteDashboard, siteDashboards } from './dashboard.js';
export { type GridPage, type GridQuery, type GridRow, participantGrid } from './grid.js';
export {
  type SubjectForm,
  type SubjectIdentifiers,
  type SubjectView,
  subjectView,
  type Trajectory,
} from './subject-view.js';
export { ViewCache } from './view-cache.js';
export {
  CELL_STATES,
  type CellState,
  isOutstanding,
  nextDue,
  type VisitCell,
  visitCells,
} from './visit-cells.js';
export {
  assignedQueries,
  type CareGapRow,
  careGapPatients,
  type DueVisitRow,
  dueVisits,
  EPRO_CLOSING_DAYS,
  eproClosing,
  type FormLink,
  formsMissingItems,
  type MissingItemsRow,
  type QueryRow,
  type UnsignedRow,
  unsignedForms,
} from './worklists.js';
