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
 * A permanent refusal (5xx) of the recipient (RCPT TO) or of the message (DATA) throws MailBounced; a refusal for now (4xx) or an unreachable server
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
      const { responseCode, code, command } = error as {
        responseCode?: number;
        code?: string;
        command?: string;
      };
      // Only the recipient's and the message's stages: a 5xx at the sender or sign-in is the
      // registry's own configuration, retried (and seen in the job's error) rather than bounced.
      const stage = command === 'RCPT TO' || command === 'DATA';
      if (stage && typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600) {
        throw new MailBounced(responseCode);
      }
      const why = responseCode ?? code;
      throw new Error(`SMTP refused the message${why ? ` (${why})` : ''}`);
    }
  };
}
