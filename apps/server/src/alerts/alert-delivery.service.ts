import { createHmac } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AlertWebhookPayload } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { QueueRepository } from '../queue/queue.repository.js';
import { MailerRepository } from '../mail/mailer.repository.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import type { TaskHandlers } from '../queue/queue-tasks.js';
import { AlertsRepository } from './alerts.repository.js';
import { PrivateAddressError, postWebhook } from './webhook-http.js';

/** The longest wait between two webhook attempts. */
const MAX_RETRY_DELAY_MS = 3_600_000;
/** Characters of an error or response kept in the attempt log. */
const MAX_LOGGED_ERROR = 500;

/**
 * `Atelier-Signature` for a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.
 * A receiver recomputes v1 with its secret and rejects a stale t (replays).
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${String(timestampSeconds)}.${body}`).digest('hex');
  return `t=${String(timestampSeconds)},v1=${digest}`;
}

/** The graphile-worker tasks that deliver a fired alert: one email per recipient, the org webhook. */
@Injectable()
export class AlertDeliveryService {
  private readonly logger = new Logger('AlertDelivery');

  constructor(
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(AlertsRepository) private readonly alerts: AlertsRepository,
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(MailerRepository) private readonly mailer: MailerRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  tasks(): TaskHandlers<'alert:email' | 'alert:webhook'> {
    return {
      'alert:email': ({ alertId, userId }) => this.email(alertId, userId),
      'alert:webhook': ({ alertId, attempt }) => this.webhook(alertId, attempt),
    };
  }

  /** Throws when the mail server refuses: graphile-worker retries with its backoff. */
  async email(alertId: string, userId: string): Promise<void> {
    const row = await this.alerts.forEmail(alertId, userId);
    if (row === undefined) return; // the org or the person is gone: nobody to tell
    await this.mailer.send({
      to: row.email,
      subject: `${row.title} — ${row.organization_name}`,
      text: `Hello ${row.name},\n\n${row.message}\n\nOpen ${row.organization_name} in Atelier: ${this.config.publicUrl}/orgs/${row.organization_id}\n\nYou get this because you are a member of ${row.organization_name}.\n`,
    });
  }

  /** One attempt; a failure is logged and the next attempt scheduled with a doubling delay. */
  async webhook(alertId: string, attempt: number): Promise<void> {
    const alert = await this.alerts.forWebhook(alertId);
    if (alert === undefined) return; // the webhook was removed meanwhile
    const payload: AlertWebhookPayload = {
      id: alert.id,
      type: `alert.${alert.kind}`,
      organizationId: alert.organization_id,
      createdAt: alert.created_at.toISOString(),
      alert: { kind: alert.kind, title: alert.title, message: alert.message, data: alert.data },
    };
    const body = JSON.stringify(payload);
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let refused = false;
    try {
      const response = await postWebhook(
        alert.webhook_url,
        body,
        {
          'content-type': 'application/json',
          'user-agent': 'Atelier-Webhooks/1',
          'atelier-event-id': alert.id,
          'atelier-delivery-attempt': String(attempt),
          'atelier-signature': signWebhook(alert.webhook_secret, Math.floor(this.clock.now().getTime() / 1000), body),
        },
        { timeoutMs: this.config.alerts.webhookTimeoutMs, allowPrivateNetworks: this.config.alerts.webhookAllowPrivateNetworks },
      );
      statusCode = response.status;
      if (response.status < 200 || response.status >= 300) {
        error = `HTTP ${String(response.status)}${response.text === '' ? '' : `: ${response.text.slice(0, MAX_LOGGED_ERROR)}`}`;
      }
    } catch (caught) {
      // A private address is a setting to fix, not a failure that time heals: no retry.
      refused = caught instanceof PrivateAddressError;
      error = (caught instanceof Error ? caught.message : String(caught)).slice(0, MAX_LOGGED_ERROR);
    }
    const durationMs = Math.round(performance.now() - started);
    const { webhookMaxAttempts, webhookRetryBaseMs } = this.config.alerts;
    const retry = error !== null && !refused && attempt < webhookMaxAttempts;
    const nextAttemptAt = retry ? new Date(Date.now() + Math.min(webhookRetryBaseMs * 2 ** (attempt - 1), MAX_RETRY_DELAY_MS)) : null;
    const outcome = error === null ? 'delivered' : retry ? 'failed' : 'abandoned';
    await this.postgres.transaction(async (client) => {
      await this.alerts.recordWebhookAttempt(client, {
        alertId: alert.id,
        organizationId: alert.organization_id,
        attempt,
        url: alert.webhook_url,
        outcome,
        statusCode,
        error,
        durationMs,
        nextAttemptAt,
      });
      if (nextAttemptAt !== null) {
        await this.queue.enqueueTask(client, 'alert:webhook', { alertId: alert.id, attempt: attempt + 1 }, { runAt: nextAttemptAt, maxAttempts: 1 });
      }
    });
    if (outcome === 'abandoned') {
      this.logger.warn(`webhook for alert ${alert.id} abandoned after ${String(attempt)} attempts: ${error ?? ''}`);
    }
  }
}
