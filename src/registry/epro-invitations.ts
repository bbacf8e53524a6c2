/*
 * ePRO invitations and reminders that run themselves (issue 9 §4), by job: planning (epro-plan.ts),
 * sending (epro-send.ts, with the mailer in epro-mailer.ts), the worker of serve and cron
 * (epro-worker.ts), each subject's contact (epro-contact.ts) and what staff see and do: the send log,
 * invitation statuses, sent by hand, resend (epro-send-log.ts). This module is their public surface.
 */

export { type EproContact, type EproContactInput, eproContact, setEproContact } from './epro-contact.js';
export {
  EPRO_PLAN,
  EPRO_SEND,
  eproPlanHandler,
  eproTiming,
  isEproVisit,
  JOB_RETENTION_DAYS,
  messageKey,
  nextPlan,
  planEproMessages,
  resendKey,
} from './epro-plan.js';
export {
  type EproLinks,
  type EproSendDeps,
  eproLinksInDatabase,
  eproMail,
  eproSendHandler,
  sendRefusal,
} from './epro-send.js';
export {
  type EproInvitationRow,
  type EproMessageRow,
  eproInvitations,
  eproMessages,
  type InvitationStatus,
  markSentByHand,
  resendInvitation,
} from './epro-send-log.js';
export {
  DEFAULT_JOB_INTERVAL_MS,
  type EproWorkerConfig,
  eproJobHandlers,
  runEproJobsOnce,
  startEproWorker,
} from './epro-worker.js';
