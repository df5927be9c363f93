import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface ChargedRow {
  modelId: string;
  jobs: number;
  credits: number;
}

export interface MadeRow {
  modelId: string;
  provider: string;
  images: number;
  imagesWithCost: number;
  /** Reported costs converted to dollars; null when none in the group was. */
  usd: number | null;
}

/**
 * Reads for the provider-cost report: credits captured per model (jobs) and images made per model
 * and provider with the costs the providers reported (assets' `provider_cost`, `{ amount, unit }`
 * in `usd` or `bfl-credits`, 1 BFL credit = $0.01). Both over jobs created in [from, to).
 */
@Injectable()
export class ProviderCostsRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async charged(organizationId: string, from: string, to: string): Promise<ChargedRow[]> {
    const result = await this.postgres.pool.query<{ model_id: string; jobs: number; credits: string }>(
      `select j.model_id, count(*)::int as jobs, coalesce(sum(j.captured_credits), 0)::bigint as credits
         from jobs j
        where j.organization_id = $1 and j.created_at >= $2 and j.created_at < $3 and j.captured_credits is not null
        group by j.model_id`,
      [organizationId, from, to],
    );
    return result.rows.map((row) => ({ modelId: row.model_id, jobs: row.jobs, credits: Number(row.credits) }));
  }

  async made(organizationId: string, from: string, to: string): Promise<MadeRow[]> {
    const result = await this.postgres.pool.query<{ model_id: string; provider: string; images: number; with_cost: number; usd: string | null }>(
      `select a.model_id, a.provider, count(*)::int as images, count(a.provider_cost)::int as with_cost,
              sum(case a.provider_cost->>'unit'
                    when 'usd' then (a.provider_cost->>'amount')::numeric
                    when 'bfl-credits' then (a.provider_cost->>'amount')::numeric / 100
                  end) as usd
         from assets a
         join jobs j on j.id = a.job_id
        where a.organization_id = $1 and j.created_at >= $2 and j.created_at < $3
        group by a.model_id, a.provider`,
      [organizationId, from, to],
    );
    return result.rows.map((row) => ({
      modelId: row.model_id,
      provider: row.provider,
      images: row.images,
      imagesWithCost: row.with_cost,
      usd: row.usd === null ? null : Number(row.usd),
    }));
  }
}
