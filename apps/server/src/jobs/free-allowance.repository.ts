import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { AllowancePeriod, Catalog, FreeUnitsSpent, Usage } from '@atelier/pricing';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

/** `2026-11-21` for a day, `2026-11` for a month, in UTC: free tiers reset at midnight UTC. */
export function periodKey(period: AllowancePeriod, now: Date): string {
  const iso = now.toISOString();
  return period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7);
}

/** The current periods' starts of every kind (a day, a month): usage rows to read for any catalog. */
export function currentPeriodStarts(now: Date): string[] {
  return [periodKey('day', now), periodKey('month', now)];
}

function allowancesOf(catalog: Catalog): Map<string, AllowancePeriod> {
  const allowances = new Map<string, AllowancePeriod>();
  for (const model of catalog.models) {
    for (const offer of Object.values(model.operations)) {
      const allowance = offer.pricing.freeAllowance;
      if (allowance !== undefined) allowances.set(allowance.id, allowance.period);
    }
  }
  return allowances;
}

/** The catalog's free-tier usage from usage rows read with `currentPeriodStarts(now)`: what `usage` answers. */
export function usageFromRows(catalog: Catalog, rows: readonly { allowanceId: string; periodStart: string; unitsUsed: number }[], now: Date): Usage {
  const allowances = allowancesOf(catalog);
  if (allowances.size === 0) return {};
  const used = rows.filter((row) => {
    const period = allowances.get(row.allowanceId);
    return period !== undefined && row.periodStart === periodKey(period, now);
  });
  return { freeUnitsUsed: Object.fromEntries(used.map((row) => [row.allowanceId, row.unitsUsed])) };
}

/** Free units of a catalog's free tiers (e.g. "10 Imagen images a day") an org has used this period. */
@Injectable()
export class FreeAllowanceRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  async usage(organizationId: string, catalog: Catalog, now = new Date()): Promise<Usage> {
    const allowances = allowancesOf(catalog);
    if (allowances.size === 0) return {};
    const keys = [...allowances].map(([id, period]) => `${id}|${periodKey(period, now)}`);
    const result = await this.postgres.pool.query<{ allowance_id: string; units_used: number }>(
      `select allowance_id, units_used from free_allowance_usage where organization_id = $1 and (allowance_id || '|' || period_start) = any($2)`,
      [organizationId, keys],
    );
    return { freeUnitsUsed: Object.fromEntries(result.rows.map((row) => [row.allowance_id, row.units_used])) };
  }

  /** Adds the units a job spends, in the job's transaction. */
  async spend(client: pg.ClientBase, organizationId: string, spent: FreeUnitsSpent, now = new Date()): Promise<void> {
    await client.query(
      `insert into free_allowance_usage (organization_id, allowance_id, period_start, units_used) values ($1, $2, $3, $4)
       on conflict (organization_id, allowance_id, period_start) do update set units_used = free_allowance_usage.units_used + excluded.units_used`,
      [organizationId, spent.allowanceId, periodKey(spent.period, now), spent.units],
    );
  }

  /** Gives back units a job did not use (failed or cancelled images), never below zero. */
  async giveBack(organizationId: string, allowanceId: string, period: AllowancePeriod, units: number, spentAt: Date): Promise<void> {
    if (units <= 0) return;
    await this.postgres.pool.query(
      `update free_allowance_usage set units_used = greatest(0, units_used - $4) where organization_id = $1 and allowance_id = $2 and period_start = $3`,
      [organizationId, allowanceId, periodKey(period, spentAt), units],
    );
  }
}
