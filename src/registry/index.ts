// The use cases: the only code that writes patient data. Each runs in one transaction with its
// audit event, and checks role and site inside.

export {
  AUDIT_CSV_HEADER,
  type AuditEntry,
  type AuditFilter,
  auditTrail,
  exportAuditCsv,
} from './audit-trail.js';
export * from './context.js';
export { demoCohortChunks, demoCohortCsv, loadDemo } from './demo.js';
export { type DiscardDraftInput, discardDraft } from './drafts.js';
export { createLink, EPRO_PATHS, eproUrl, revokeLink } from './epro-links.js';
export {
  decideAeCandidate,
  listAeCandidates,
  listLinks,
  listPatientAnalgesics,
  listPatientEntered,
  setYearCheck,
} from './epro-review.js';
export { type ExportOptions, type ExportSummary, exportTidy } from './export-tidy.js';
export {
  type FieldChange,
  type ResponseForEdit,
  readResponse,
  responseHistory,
  STATUS_ITEM,
} from './history.js';
export { type ImportOptions, type ImportProblem, type ImportSummary, importTidy } from './import-tidy.js';
export {
  type AnswerQueryInput,
  answerQuery,
  type CloseQueryInput,
  closeQuery,
  type QueryRef,
  type RaiseQueryInput,
  type ReopenQueryInput,
  raiseQuery,
  reopenQuery,
} from './queries.js';
export { type QueryFilter, type QueryMessageView, type QueryView, queriesFor } from './query-views.js';
export { seededRandom } from './random.js';
export { type AmendInput, amendResponse, type RecordInput, recordResponse } from './responses.js';
export { markSdv, type SdvInput, type SdvMark, type SdvState, type SdvStatus, sdvStatus } from './sdv.js';
export {
  loadSession,
  SESSION_ABSOLUTE_MS,
  SESSION_IDLE_MS,
  type SessionUser,
  SIGN_IN_REFUSED,
  type SignInResult,
  sessionHash,
  signIn,
  signOut,
  switchSite,
  userSites,
} from './sessions.js';
export { heldUntil } from './sign-in-throttle.js';
export { type SignatureView, signaturesFor } from './signature-views.js';
export {
  type LockInput,
  lockResponse,
  SIGNATURE_MEANING,
  type SignInput,
  signResponse,
  unlockResponse,
} from './signatures.js';
export {
  installSiteText,
  listSiteTexts,
  odiWordingProblems,
  SITE_TEXT_KINDS,
  type SiteTextInput,
  type SiteTextKind,
  type SiteTextRow,
  setSiteLanguage,
  siteLanguages,
} from './site-text.js';
export { createSite, listSites } from './sites.js';
export { studyReport } from './study-report.js';
export { enrolSubject, formatStudyId, withdrawSubject } from './subjects.js';
export { changeOwnPassword, resetPassword } from './user-passwords.js';
export { addMembership, removeMembership } from './user-sites.js';
export {
  addUser,
  authenticate,
  changeRole,
  getUser,
  listUsers,
  setFullName,
  setUserDisabled,
  type UserView,
} from './users.js';
export { type LockVisitInput, lockVisit, type SignVisitInput, signVisit } from './visit-signing.js';
export { recordVisit, type VisitInput } from './visits.js';
