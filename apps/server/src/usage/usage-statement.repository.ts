import { Inject, Injectable } from '@nestjs/common';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

/** One movement of the pool's posted balance, with the names a person reads. */
export interface StatementRow {
  transfer_id: string;
  /** `YYYY-MM-DD HH24:MI:SS` in the pool's time zone. */
  local_time: string;
  kind: string;
  /** The other account's kind: purchase, subscription, promotion, adjustment, usage, expiry. */
  counterpart: string;
  /** Signed: positive into the pool, negative out of it. */
  signed_credits: string;
  member_id: string | null;
  member_name: string | null;
  project_id: string | null;
  project_name: string | null;
  job_id: string | null;
  model_id: string | null;
  operation: string | null;
  asset_ids: string[] | null;
  reason: string | null;
}

export interface StatementRange {
  timeZone: string;
  /** The pool's posted balance before the first transfer of the range. */
  openingBalance: bigint;
  /** The first transfer id in the range (rows are read from it on, in id order); null when the range is empty. */
  firstTransferId: string | null;
}

/** The pool's posted movements (grants, captures, expiries, adjustments, reversals), oldest first. */
const POOL_MOVEMENTS = `
  from ledger.transfers t
  join ledger.accounts pa on pa.org_id = t.org_id and pa.kind = 'pool'
  where t.org_id = $1 and t.phase in ('posted', 'post_pending')
    and (t.debit_account_id = pa.account_id or t.credit_account_id = pa.account_id)`;

/** Reads for the human CSV export (usage statement): the ledger's transfers with names joined. */
@Injectable()
export class UsageStatementRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  /** The pool's time zone, where a range starts (by transfer id) and the balance before it. */
  async range(organizationId: string, from: Date | undefined): Promise<StatementRange> {
    const result = await this.postgres.pool.query<{ time_zone: string | null; first_id: string | null; opening: string | null }>(
      `with first as (select min(t.transfer_id) as id ${POOL_MOVEMENTS} and ($2::timestamptz is null or t.created_at >= $2))
       select (select time_zone from ledger.pools where org_id = $1) as time_zone,
              (select id::text from first) as first_id,
              (select coalesce(sum(case when t.credit_account_id = pa.account_id then t.amount_credits else -t.amount_credits end), 0)::text
                 ${POOL_MOVEMENTS} and t.transfer_id < coalesce((select id from first), 9223372036854775807)) as opening`,
      [organizationId, from ?? null],
    );
    const row = result.rows[0];
    return { timeZone: row?.time_zone ?? 'UTC', openingBalance: BigInt(row?.opening ?? '0'), firstTransferId: row?.first_id ?? null };
  }

  /** Up to `limit` movements with id ≥ `fromId`, before `to`, oldest first. */
  async page(organizationId: string, timeZone: string, fromId: string, to: Date | undefined, limit: number): Promise<StatementRow[]> {
    const result = await this.postgres.pool.query<StatementRow>(
      `select t.transfer_id::text, to_char(t.created_at at time zone $2, 'YYYY-MM-DD HH24:MI:SS') as local_time, t.kind,
              other.kind as counterpart,
              (case when t.credit_account_id = pa.account_id then t.amount_credits else -t.amount_credits end)::text as signed_credits,
              t.member_id, u.name as member_name, t.project_id, pr.name as project_name, t.job_id, j.model_id, j.operation,
              (select array_agg(a.id::text order by a.image_index) from assets a where a.job_id = j.id) as asset_ids,
              t.reason
         from ledger.transfers t
         join ledger.accounts pa on pa.org_id = t.org_id and pa.kind = 'pool'
         join ledger.accounts other
           on other.account_id = case when t.credit_account_id = pa.account_id then t.debit_account_id else t.credit_account_id end
         left join users u on u.id = t.member_id
         left join projects pr on pr.id = t.project_id
         left join jobs j on j.id = (case when t.job_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then t.job_id::uuid end)
        where t.org_id = $1 and t.phase in ('posted', 'post_pending')
          and (t.debit_account_id = pa.account_id or t.credit_account_id = pa.account_id)
          and t.transfer_id >= $3::bigint and ($4::timestamptz is null or t.created_at < $4)
        order by t.transfer_id
        limit $5`,
      [organizationId, timeZone, fromId, to ?? null, limit],
    );
    return result.rows;
  }
}
