import nodemailer from 'nodemailer';

export interface EproMail {
  to: string;
  subject: string;
  text: string;
}

/** Hands a message to SMTP (mailer.ts); throws when the server refuses it. */
export type SendMail = (mail: EproMail) => Promise<void>;

/**
 * The SMTP server refused the recipient or the message for good (a 5xx reply at RCPT or DATA): the
 * message is bounced, and sending it again would fail the same way. Its message is one line for the
 * send log (the reply code, never the body).
 */
export class MailBounced extends Error {
  constructor(readonly responseCode: number) {
    super(`the mail server refused the address (${responseCode})`);
    this.name = 'MailBounced';
  }
}

/**
 * Sends ePRO mail through SMTP_URL (nodemailer). Null without SMTP_URL: messages wait in the outbox.
 * A permanent refusal (5xx) throws MailBounced; a refusal for now (4xx) or an unreachable server
 * throws a plain error, so the job is retried and nothing is recorded as sent. The error message
 * never holds the message body (and so never the link).
 */
export function smtpMailer(smtpUrl: string | undefined, from: string): SendMail | null {
  if (!smtpUrl) return null;
  const transport = nodemailer.createTransport(smtpUrl);
  return async (mail: EproMail) => {
    try {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    } catch (error) {
      const { responseCode, code } = error as { responseCode?: number; code?: string };
      if (typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) {
        throw new MailBounced(responseCode);
      }
      const why = responseCode ?? code;
      throw new Error(`SMTP refused the message${why ? ` (${why})` : ''}`);
    }
  };
}
