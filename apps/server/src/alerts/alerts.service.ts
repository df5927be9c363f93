import { randomBytes } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type {
  AlertData,
  AlertKind,
  AlertSettingsView,
  NotificationPage,
  NotificationQuery,
  NotificationView,
  Role,
  UpdateAlertSettings,
  WebhookAttemptList,
} from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { publicWebhookProblem } from './webhook-http.js';
import { EventBus } from '../events/event-bus.js';
import { QueueRepository } from '../queue/queue.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { AlertSettingsRepository, DEFAULT_GRANT_EXPIRY_NOTICE_DAYS } from './alert-settings.repository.js';
import { AlertsRepository } from './alerts.repository.js';
import { NotificationsRepository, type NotificationRow } from './notifications.repository.js';

export interface RaiseAlert {
  organizationId: string;
  kind: AlertKind;
  /** What the alert is about: a member's id, `pool`, a grant's id, an invoice's id… */
  subjectKey: string;
  /** The line crossed (a percent, credits, days); 0 when there is none. */
  threshold?: number;
  /** The period it fires once in: a budget period's start, a month, `once`. */
  periodKey: string;
  title: string;
  message: string;
  data?: AlertData;
  /** Who is told: everyone with one of these roles in the org (but those excepted), or these members. */
  recipients: { roles: readonly Role[]; exceptUserIds?: readonly string[] } | { userIds: readonly string[] };
}

export interface RaisedAlert {
  /** False when this alert had already fired for this subject, threshold and period. */
  fired: boolean;
  alertId: string | null;
  notified: number;
}

/** The event the realtime gateway forwards to `user:{userId}`. */

/**
 * Alerts: each fires once per (kind, subject, threshold, period) — the `alerts` table's unique key
 * decides, so any number of racing writers on any number of nodes produce one alert. A new alert
 * becomes a notification per recipient (in-app list + socket event), one email per recipient and,
 * when the org has a webhook, one signed delivery (the last two through graphile-worker, queued
 * in the same transaction, so they happen exactly when the alert exists).
 */
@Injectable()
export class AlertsService {
  constructor(
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(AlertsRepository) private readonly alertRows: AlertsRepository,
    @Inject(NotificationsRepository) private readonly notificationRows: NotificationsRepository,
    @Inject(AlertSettingsRepository) private readonly settingsRows: AlertSettingsRepository,
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async raise(alert: RaiseAlert): Promise<RaisedAlert> {
    const outcome = await this.postgres.transaction(async (client) => {
      const row = await this.alertRows.insertIfNew(client, {
        organizationId: alert.organizationId,
        kind: alert.kind,
        subjectKey: alert.subjectKey,
        threshold: alert.threshold ?? 0,
        periodKey: alert.periodKey,
        title: alert.title,
        message: alert.message,
        data: alert.data ?? {},
      });
      if (row === undefined) return undefined;
      const recipients = await this.notificationRows.insertForRecipients(client, alert.organizationId, row.id, alert.recipients);
      for (const recipient of recipients) {
        await this.queue.enqueueTask(client, 'alert:email', { alertId: row.id, userId: recipient.user_id });
      }
      if (await this.settingsRows.hasWebhook(client, alert.organizationId)) {
        await this.queue.enqueueTask(client, 'alert:webhook', { alertId: row.id, attempt: 1 }, { maxAttempts: 1 });
      }
      return { alertId: row.id, createdAt: row.created_at, recipients };
    });
    if (outcome === undefined) return { fired: false, alertId: null, notified: 0 };
    for (const recipient of outcome.recipients) {
      this.events.publish('alert.raised', {
        organizationId: alert.organizationId,
        userId: recipient.user_id,
        alert: {
          id: recipient.id,
          alertId: outcome.alertId,
          organizationId: alert.organizationId,
          kind: alert.kind,
          title: alert.title,
          message: alert.message,
          data: alert.data ?? {},
          at: outcome.createdAt.toISOString(),
        },
      });
    }
    return { fired: true, alertId: outcome.alertId, notified: outcome.recipients.length };
  }

  async notifications(organizationId: string, userId: string, query: NotificationQuery): Promise<NotificationPage> {
    const cursor = query.cursor === undefined ? null : parseCursor(query.cursor);
    const [page, unreadCount] = await Promise.all([
      this.notificationRows.page(organizationId, userId, { unread: query.unread ?? null, cursor, limit: query.limit + 1 }),
      this.notificationRows.unreadCount(organizationId, userId),
    ]);
    const rows = page.slice(0, query.limit);
    const last = rows.at(-1);
    return {
      notifications: rows.map(notificationView),
      unreadCount,
      nextCursor: page.length > query.limit && last !== undefined ? formatCursor(last.created_us, last.id) : null,
    };
  }

  /** Marks my notifications read; returns how many changed. Others' ids are ignored (never found). */
  async markRead(organizationId: string, userId: string, ids: readonly string[] | 'all'): Promise<number> {
    return this.notificationRows.markRead(organizationId, userId, ids);
  }

  async settings(organizationId: string): Promise<AlertSettingsView> {
    const row = await this.settingsRows.find(organizationId);
    return {
      lowBalanceCredits: row?.low_balance_credits == null ? null : Number(row.low_balance_credits),
      grantExpiryNoticeDays: row?.grant_expiry_notice_days ?? DEFAULT_GRANT_EXPIRY_NOTICE_DAYS,
      webhookUrl: row?.webhook_url ?? null,
      webhookSecretSet: row?.webhook_secret != null,
    };
  }

  /** Changes what is given; a webhook URL set for the first time gets a secret (returned once). */
  async updateSettings(organizationId: string, change: UpdateAlertSettings): Promise<AlertSettingsView & { webhookSecret?: string }> {
    if (change.webhookUrl != null && !this.config.alerts.webhookAllowPrivateNetworks) {
      const problem = await publicWebhookProblem(change.webhookUrl);
      if (problem !== undefined) {
        throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `The webhook URL cannot be used: ${problem}.`, field: 'webhookUrl' });
      }
    }
    const secret = newWebhookSecret();
    const secretCreated = await this.settingsRows.upsert(organizationId, {
      lowBalanceCredits: change.lowBalanceCredits ?? null,
      lowBalanceCreditsGiven: change.lowBalanceCredits !== undefined,
      grantExpiryNoticeDays: change.grantExpiryNoticeDays ?? null,
      webhookUrl: change.webhookUrl ?? null,
      webhookUrlGiven: change.webhookUrl !== undefined,
      newSecret: secret,
    });
    const view = await this.settings(organizationId);
    return secretCreated ? { ...view, webhookSecret: secret } : view;
  }

  /** A new signing secret; deliveries from now on are signed with it. */
  async rotateWebhookSecret(organizationId: string): Promise<string> {
    const secret = newWebhookSecret();
    if (!(await this.settingsRows.rotateWebhookSecret(organizationId, secret))) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'conflict', message: 'Set a webhook URL first; its secret comes with it.', field: 'webhookUrl' });
    }
    return secret;
  }

  async webhookAttempts(organizationId: string, limit: number): Promise<WebhookAttemptList> {
    const rows = await this.alertRows.webhookAttempts(organizationId, limit);
    return {
      attempts: rows.map((row) => ({
        id: row.id,
        alertId: row.alert_id,
        kind: row.kind,
        attempt: row.attempt,
        url: row.url,
        outcome: row.outcome,
        statusCode: row.status_code,
        error: row.error,
        durationMs: row.duration_ms,
        nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
        createdAt: row.created_at.toISOString(),
      })),
    };
  }
}

function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

function notificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    alertId: row.alert_id,
    organizationId: row.organization_id,
    kind: row.kind,
    title: row.title,
    message: row.message,
    data: row.data,
    createdAt: row.created_at.toISOString(),
    readAt: row.read_at?.toISOString() ?? null,
  };
}

/** Position after a notification: its time in microseconds (Postgres' precision) and id. */
function formatCursor(createdMicros: string, id: string): string {
  return `n${createdMicros}_${id}`;
}

function parseCursor(cursor: string): { createdMicros: string; id: string } {
  const [micros = '0', id = ''] = cursor.slice(1).split('_');
  return { createdMicros: micros, id };
}
