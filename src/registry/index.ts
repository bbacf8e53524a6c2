// The use cases: the only code that writes patient data. Each runs in one transaction with its
// audit event, and checks role and site inside.
export * from './context.js';
export { demoCohortChunks, demoCohortCsv, loadDemo } from './demo.js';
export { type ExportSummary, exportTidy } from './export-tidy.js';
export { type ImportOptions, type ImportProblem, type ImportSummary, importTidy } from './import-tidy.js';
export { seededRandom } from './random.js';
export {
  type AmendInput,
  amendResponse,
  lockResponse,
  type RecordInput,
  recordResponse,
  signResponse,
} from './responses.js';
export { createSite } from './sites.js';
export { studyReport } from './study-report.js';
export { enrolSubject, formatStudyId, withdrawSubject } from './subjects.js';
export { addUser, authenticate } from './users.js';
export { recordVisit, type VisitInput } from './visits.js';
