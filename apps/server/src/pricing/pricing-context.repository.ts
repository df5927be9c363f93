import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface PricingContextRow {
  pricingCatalog: string;
  customCatalog: unknown;
  /** The subscription's tier and status, or null when the org never subscribed. */
  tier: string | null;
  subscriptionStatus: string | null;
}

/** What prices an org's jobs and what its tier allows: one read per request. */
@Injectable()
export class PricingContextRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async find(organizationId: string): Promise<PricingContextRow | undefined> {
    const result = await this.postgres.pool.query<PricingContextRow>(
      `select o.pricing_catalog as "pricingCatalog", o.custom_catalog as "customCatalog", s.tier, s.status as "subscriptionStatus"
       from organizations o left join billing_subscriptions s on s.organization_id = o.id
       where o.id = $1 and o.deleted_at is null`,
      [organizationId],
    );
    return result.rows[0];
  }

  async setCatalog(organizationId: string, choice: string, customCatalog: unknown): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `update organizations set pricing_catalog = $2, custom_catalog = $3::jsonb where id = $1 and deleted_at is null`,
      [organizationId, choice, customCatalog === null ? null : JSON.stringify(customCatalog)],
    );
    return result.rowCount === 1;
  }
}
