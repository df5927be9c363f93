import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository, type TransactionClient } from '../repositories/postgres-pool.repository.js';

export const DEFAULT_GRANT_EXPIRY_NOTICE_DAYS = 3;

export interface AlertSettingsRow {
  low_balance_credits: string | null;
  grant_expiry_notice_days: number;
  webhook_url: string | null;
  webhook_secret: string | null;
}

/** A change of an org's alert settings; `…Given` says whether a nullable field was sent at all. */
export interface AlertSettingsChange {
  lowBalanceCredits: number | null;
  lowBalanceCreditsGiven: boolean;
  grantExpiryNoticeDays: number | null;
  webhookUrl: string | null;
  webhookUrlGiven: boolean;
  /** The secret a webhook URL set for the first time gets. */
  newSecret: string;
}

/** What an org's alerts are set up for (`alert_settings`): low-balance line, grant expiry notice, webhook and its secret. */
@Injectable()
export class AlertSettingsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async find(organizationId: string): Promise<AlertSettingsRow | undefined> {
    const result = await this.postgres.pool.query<AlertSettingsRow>(
      `select low_balance_credits, grant_expiry_notice_days, webhook_url, webhook_secret from alert_settings where organization_id = $1`,
      [organizationId],
    );
    return result.rows[0];
  }

  /** Creates or changes the settings; true when `newSecret` became the webhook's secret. */
  async upsert(organizationId: string, change: AlertSettingsChange): Promise<boolean> {
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
        change.lowBalanceCredits,
        change.grantExpiryNoticeDays,
        change.webhookUrl,
        change.newSecret,
        change.lowBalanceCreditsGiven,
        change.webhookUrlGiven,
      ],
    );
    return result.rows[0]?.secret_created === true;
  }

  /** False when the org has no webhook URL (a secret comes with one). */
  async rotateWebhookSecret(organizationId: string, secret: string): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update alert_settings set webhook_secret = $2, updated_at = now() where organization_id = $1 and webhook_url is not null`,
      [organizationId, secret],
    );
    return result.rowCount === 1;
  }

  /** In the caller's transaction: whether the org has a webhook with its secret. */
  async hasWebhook(client: TransactionClient, organizationId: string): Promise<boolean> {
    const webhook = await client.query(
      `select 1 from alert_settings where organization_id = $1 and webhook_url is not null and webhook_secret is not null`,
      [organizationId],
    );
    return webhook.rowCount === 1;
  }

  /** The org's low-balance line, the month of `now` in the pool's time zone and the org's name; undefined without a line. */
  async lowBalanceLine(organizationId: string, now: Date): Promise<{ line: string; month: string; organization_name: string } | undefined> {
    const settings = await this.postgres.pool.query<{ line: string; month: string; organization_name: string }>(
      `select s.low_balance_credits::text as line, to_char($2::timestamptz at time zone p.time_zone, 'YYYY-MM') as month, o.name as organization_name
         from alert_settings s
         join ledger.pools p on p.org_id = s.organization_id
         join organizations o on o.id = s.organization_id
        where s.organization_id = $1 and s.low_balance_credits is not null and o.deleted_at is null`,
      [organizationId, now],
    );
    return settings.rows[0];
  }
}
