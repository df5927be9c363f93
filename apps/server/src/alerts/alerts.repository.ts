import { Inject, Injectable } from '@nestjs/common';
import type { AlertData, AlertKind } from '@atelier/contracts';
import { PostgresPoolRepository, type TransactionClient } from '../repositories/postgres-pool.repository.js';
import { DEFAULT_GRANT_EXPIRY_NOTICE_DAYS } from './alert-settings.repository.js';

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

export interface NewAlert {
  organizationId: string;
  kind: AlertKind;
  subjectKey: string;
  threshold: number;
  periodKey: string;
  title: string;
  message: string;
  data: AlertData;
}

export interface WebhookAttemptRow {
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
}

export interface NewWebhookAttempt {
  alertId: string;
  organizationId: string;
  attempt: number;
  url: string;
  outcome: WebhookAttemptRow['outcome'];
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  nextAttemptAt: Date | null;
}

export interface ExpiringGrantRow {
  grant_id: string;
  org_id: string;
  remaining_credits: string;
  expires_at: Date;
  source: string;
  organization_name: string;
}

/** Fired alerts (`alerts`, unique per kind, subject, threshold and period) and their webhook deliveries' log. */
@Injectable()
export class AlertsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** In the caller's transaction; undefined when this alert had already fired. */
  async insertIfNew(client: TransactionClient, alert: NewAlert): Promise<{ id: string; created_at: Date } | undefined> {
    const inserted = await client.query<{ id: string; created_at: Date }>(
      `insert into alerts (id, organization_id, kind, subject_key, threshold, period_key, title, message, data)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (organization_id, kind, subject_key, threshold, period_key) do nothing
       returning id, created_at`,
      [alert.organizationId, alert.kind, alert.subjectKey, alert.threshold, alert.periodKey, alert.title, alert.message, JSON.stringify(alert.data)],
    );
    return inserted.rows[0];
  }

  /** The alert with the recipient's address and the org's name; undefined when either is gone. */
  async forEmail(alertId: string, userId: string): Promise<(AlertRow & { email: string; name: string; organization_name: string }) | undefined> {
    const result = await this.postgres.pool.query<AlertRow & { email: string; name: string; organization_name: string }>(
      `select a.id, a.organization_id, a.kind, a.title, a.message, a.data, a.created_at, u.email, u.name, o.name as organization_name
         from alerts a
         join users u on u.id = $2
         join organizations o on o.id = a.organization_id
        where a.id = $1`,
      [alertId, userId],
    );
    return result.rows[0];
  }

  /** The alert with its org's webhook URL and secret; undefined when the org has no webhook (now). */
  async forWebhook(alertId: string): Promise<(AlertRow & { webhook_url: string; webhook_secret: string }) | undefined> {
    const found = await this.postgres.pool.query<AlertRow & { webhook_url: string; webhook_secret: string }>(
      `select a.id, a.organization_id, a.kind, a.title, a.message, a.data, a.created_at, s.webhook_url, s.webhook_secret
         from alerts a join alert_settings s on s.organization_id = a.organization_id
        where a.id = $1 and s.webhook_url is not null and s.webhook_secret is not null`,
      [alertId],
    );
    return found.rows[0];
  }

  /** In the caller's transaction (the next attempt is queued in it). */
  async recordWebhookAttempt(client: TransactionClient, attempt: NewWebhookAttempt): Promise<void> {
    await client.query(
      `insert into alert_webhook_attempts (id, alert_id, organization_id, attempt, url, outcome, status_code, error, duration_ms, next_attempt_at)
       values (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [attempt.alertId, attempt.organizationId, attempt.attempt, attempt.url, attempt.outcome, attempt.statusCode, attempt.error, attempt.durationMs, attempt.nextAttemptAt],
    );
  }

  /** The org's latest webhook attempts, newest first. */
  async webhookAttempts(organizationId: string, limit: number): Promise<WebhookAttemptRow[]> {
    const result = await this.postgres.pool.query<WebhookAttemptRow>(
      `select w.id, w.alert_id, a.kind, w.attempt, w.url, w.outcome, w.status_code, w.error, w.duration_ms, w.next_attempt_at, w.created_at
         from alert_webhook_attempts w join alerts a on a.id = w.alert_id
        where w.organization_id = $1
        order by w.created_at desc, w.id desc
        limit $2`,
      [organizationId, limit],
    );
    return result.rows;
  }

  /**
   * Active grants with credits left (of undeleted orgs) that expire within their org's notice
   * (at most `maxNoticeDays`) and whose `grant_expiring` alert has not fired; soonest first.
   */
  async expiringGrantsNotAnnounced(now: Date, maxNoticeDays: number, limit: number): Promise<ExpiringGrantRow[]> {
    const due = await this.postgres.pool.query<ExpiringGrantRow>(
      `select g.grant_id::text, g.org_id, g.remaining_credits::text, g.expires_at, g.source, o.name as organization_name
         from ledger.grants g
         join organizations o on o.id = g.org_id and o.deleted_at is null
         left join alert_settings s on s.organization_id = g.org_id
        where g.expired_at is null and g.active
          and g.expires_at > $1 and g.expires_at <= $1 + interval '${String(maxNoticeDays)} days'
          and g.expires_at <= $1 + coalesce(s.grant_expiry_notice_days, ${String(DEFAULT_GRANT_EXPIRY_NOTICE_DAYS)}) * interval '1 day'
          and not exists (select 1 from alerts a where a.organization_id = g.org_id and a.kind = 'grant_expiring'
                            and a.subject_key = g.grant_id::text and a.threshold = 0 and a.period_key = 'grant')
        order by g.expires_at
        limit ${String(limit)}`,
      [now],
    );
    return due.rows;
  }
}
