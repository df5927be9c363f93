import { randomBytes } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
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
import { QueueRepository } from '../jobs/queue.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';


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

/** An `alerts` row as the deliveries and the notification list read it. */
export interface AlertRow {
  id: string;
  organization_id: string;
  kind: AlertKind;
  title: string;
  message: string;
  data: AlertData;
  created_at: Date;
}

/** A notification (its own id) joined to its alert. */
interface NotificationRow extends AlertRow {
  alert_id: string;
  read_at: Date | null;
  created_us: string;
}

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
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async raise(alert: RaiseAlert): Promise<RaisedAlert> {
    const outcome = await this.postgres.transaction(async (client) => {
      const inserted = await client.query<{ id: string; created_at: Date }>(
        `insert into alerts (id, organization_id, kind, subject_key, threshold, period_key, title, message, data)
         values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (organization_id, kind, subject_key, threshold, period_key) do nothing
         returning id, created_at`,
        [alert.organizationId, alert.kind, alert.subjectKey, alert.threshold ?? 0, alert.periodKey, alert.title, alert.message, JSON.stringify(alert.data ?? {})],
      );
      const row = inserted.rows[0];
      if (row === undefined) return undefined;
      const recipients = await this.notify(client, alert, row.id);
      for (const recipient of recipients) {
        await this.queue.enqueueTask(client, 'alert:email', { alertId: row.id, userId: recipient.user_id });
      }
      const webhook = await client.query(
        `select 1 from alert_settings where organization_id = $1 and webhook_url is not null and webhook_secret is not null`,
        [alert.organizationId],
      );
      if (webhook.rowCount === 1) {
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

  private async notify(client: pg.PoolClient, alert: RaiseAlert, alertId: string): Promise<{ id: string; user_id: string }[]> {
    const { recipients } = alert;
    const byRole = 'roles' in recipients;
    const result = await client.query<{ id: string; user_id: string }>(
      `insert into notifications (id, alert_id, organization_id, user_id)
       select gen_random_uuid(), $1, m.organization_id, m.user_id
         from memberships m
        where m.organization_id = $2 and ${byRole ? 'm.role = any($3::text[]) and m.user_id <> all($4::uuid[])' : 'm.user_id = any($3::uuid[])'}
       returning id, user_id`,
      byRole
        ? [alertId, alert.organizationId, [...recipients.roles], [...(recipients.exceptUserIds ?? [])]]
        : [alertId, alert.organizationId, [...recipients.userIds]],
    );
    return result.rows;
  }

  async notifications(organizationId: string, userId: string, query: NotificationQuery): Promise<NotificationPage> {
    const cursor = query.cursor === undefined ? null : parseCursor(query.cursor);
    const [page, unread] = await Promise.all([
      this.postgres.pool.query<NotificationRow>(
        `select n.id, n.alert_id, n.organization_id, a.kind, a.title, a.message, a.data, n.created_at, n.read_at,
                (extract(epoch from n.created_at) * 1000000)::bigint::text as created_us
           from notifications n join alerts a on a.id = n.alert_id
          where n.user_id = $1 and n.organization_id = $2
            and ($3::boolean is not true or n.read_at is null)
            and ($4::bigint is null or (n.created_at, n.id) < (timestamptz 'epoch' + $4::bigint * interval '1 microsecond', $5::uuid))
          order by n.created_at desc, n.id desc
          limit $6`,
        [userId, organizationId, query.unread ?? null, cursor?.createdMicros ?? null, cursor?.id ?? null, query.limit + 1],
      ),
      this.postgres.pool.query<{ count: string }>(
        `select count(*) from notifications where user_id = $1 and organization_id = $2 and read_at is null`,
        [userId, organizationId],
      ),
    ]);
    const rows = page.rows.slice(0, query.limit);
    const last = rows.at(-1);
    return {
      notifications: rows.map(notificationView),
      unreadCount: Number(unread.rows[0]?.count ?? 0),
      nextCursor: page.rows.length > query.limit && last !== undefined ? formatCursor(last.created_us, last.id) : null,
    };
  }

  /** Marks my notifications read; returns how many changed. Others' ids are ignored (never found). */
  async markRead(organizationId: string, userId: string, ids: readonly string[] | 'all'): Promise<number> {
    const result = await this.postgres.pool.query(
      `update notifications set read_at = now()
        where user_id = $1 and organization_id = $2 and read_at is null and ($3::uuid[] is null or id = any($3::uuid[]))`,
      [userId, organizationId, ids === 'all' ? null : [...ids]],
    );
    return result.rowCount ?? 0;
  }

  async settings(organizationId: string): Promise<AlertSettingsView> {
    const result = await this.postgres.pool.query<{
      low_balance_credits: string | null;
      grant_expiry_notice_days: number;
      webhook_url: string | null;
      webhook_secret: string | null;
    }>(`select low_balance_credits, grant_expiry_notice_days, webhook_url, webhook_secret from alert_settings where organization_id = $1`, [organizationId]);
    const row = result.rows[0];
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
    const result = await this.postgres.pool.query<{ secret_created: boolean }>(
      `insert into alert_settings as s (organization_id, low_balance_credits, grant_expiry_notice_days, webhook_url, webhook_secret, updated_at)
       values ($1, $2::bigint, coalesce($3::int, ${String(DEFAULT_GRANT_EXPIRY_NOTICE_DAYS)}), $4::varchar, case when $4::varchar is null then null else $5::varchar end, now())
       on conflict (organization_id) do update set
         low_balance_credits = case when $6 then excluded.low_balance_credits else s.low_balance_credits end,
         grant_expiry_notice_days = coalesce($3, s.grant_expiry_notice_days),
         webhook_url = case when $7 then excluded.webhook_url else s.webhook_url end,
         webhook_secret = case when not $7 then s.webhook_secret
                               when excluded.webhook_url is null then null
                               else coalesce(s.webhook_secret, $5) end,
         updated_at = now()
       returning s.webhook_secret is not distinct from $5::varchar as secret_created`,
      [
        organizationId,
        change.lowBalanceCredits ?? null,
        change.grantExpiryNoticeDays ?? null,
        change.webhookUrl ?? null,
        secret,
        change.lowBalanceCredits !== undefined,
        change.webhookUrl !== undefined,
      ],
    );
    const view = await this.settings(organizationId);
    return result.rows[0]?.secret_created === true ? { ...view, webhookSecret: secret } : view;
  }

  /** A new signing secret; deliveries from now on are signed with it. */
  async rotateWebhookSecret(organizationId: string): Promise<string> {
    const secret = newWebhookSecret();
    const result = await this.postgres.pool.query(
      `update alert_settings set webhook_secret = $2, updated_at = now() where organization_id = $1 and webhook_url is not null`,
      [organizationId, secret],
    );
    if (result.rowCount !== 1) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'conflict', message: 'Set a webhook URL first; its secret comes with it.', field: 'webhookUrl' });
    }
    return secret;
  }

  async webhookAttempts(organizationId: string, limit: number): Promise<WebhookAttemptList> {
    const result = await this.postgres.pool.query<{
      id: string;
      alert_id: string;
      kind: AlertKind;
      attempt: number;
      url: string;
      outcome: 'delivered' | 'failed' | 'abandoned';
      status_code: number | null;
      error: string | null;
      duration_ms: number;
      next_attempt_at: Date | null;
      created_at: Date;
    }>(
      `select w.id, w.alert_id, a.kind, w.attempt, w.url, w.outcome, w.status_code, w.error, w.duration_ms, w.next_attempt_at, w.created_at
         from alert_webhook_attempts w join alerts a on a.id = w.alert_id
        where w.organization_id = $1
        order by w.created_at desc, w.id desc
        limit $2`,
      [organizationId, limit],
    );
    return {
      attempts: result.rows.map((row) => ({
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

export const DEFAULT_GRANT_EXPIRY_NOTICE_DAYS = 3;

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
