import { Inject, Injectable, Logger } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Sends mail through SMTP when SMTP_URL is configured; otherwise writes it to the log, so a
 * developer sees invitation and reset links in the console.
 */
@Injectable()
export class MailerRepository {
  private readonly logger = new Logger('Mailer');
  private readonly transport: Transporter | undefined;
  private readonly from: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.transport = config.mail.smtpUrl === undefined ? undefined : createTransport(config.mail.smtpUrl);
    this.from = config.mail.from;
  }

  async send(mail: Mail): Promise<void> {
    if (this.transport === undefined) {
      this.logger.log(`mail to ${mail.to}: ${mail.subject}\n${mail.text}`);
      return;
    }
    await this.transport.sendMail({ from: this.from, to: mail.to, subject: mail.subject, text: mail.text });
  }
}
