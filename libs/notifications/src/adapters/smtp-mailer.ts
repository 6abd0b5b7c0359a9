import nodemailer, { type Transporter } from 'nodemailer';
import type { EmailMessage } from '../ports/email-message.store.js';

/** Sends an email over SMTP (nodemailer), with the message's own Message-ID. */
export class SmtpMailer {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    timeoutMs: number,
  ) {
    // The URL's settings, with these timeouts merged in (nodemailer's `url` option).
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
    });
  }

  async send(m: EmailMessage): Promise<void> {
    await this.transport.sendMail({
      from: this.from,
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: m.messageId,
    });
  }

  close(): void {
    this.transport.close();
  }
}
