import nodemailer from 'nodemailer';

export interface EproMail {
  to: string;
  subject: string;
  text: string;
}

/** Hands a message to SMTP (mailer.ts); throws when the server refuses it. */
export type SendMail = (mail: EproMail) => Promise<void>;

/**
 * Sends ePRO mail through SMTP_URL (nodemailer). Null without SMTP_URL: messages wait in the outbox.
 * A refused recipient or an unreachable server throws, so the job is retried and nothing is recorded
 * as sent; the error message never holds the message body (and so never the link).
 */
export function smtpMailer(smtpUrl: string | undefined, from: string): SendMail | null {
  if (!smtpUrl) return null;
  const transport = nodemailer.createTransport(smtpUrl);
  return async (mail: EproMail) => {
    try {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    } catch (error) {
      const code =
        (error as { responseCode?: number; code?: string }).responseCode ?? (error as { code?: string }).code;
      throw new Error(`SMTP refused the message${code ? ` (${code})` : ''}`);
    }
  };
}
