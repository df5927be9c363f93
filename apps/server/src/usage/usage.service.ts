import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { HistoryQuery, TransferIdRange, TransferView } from '@atelier/ledger';
import type { SpendQuery, SpendReport, TransactionExportQuery, TransactionPage, TransactionQuery, TransactionView } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { ApiError } from '../common/error.filter.js';

/** The SQL expression each `groupBy` groups jobs by. Fixed strings, never user input. */
const groupColumns = {
  member: 'j.author_id::text',
  model: 'j.model_id',
  operation: 'j.operation',
  project: 'j.project_id::text',
} as const;

/** Rows per keyset page of the CSV export (the ledger's own page limit). */
const exportPageSize = 500;

export const csvColumns = [
  'transfer_id', 'created_at', 'kind', 'phase', 'debit_account', 'credit_account', 'amount_credits',
  'member_id', 'project_id', 'actor_id', 'hold_id', 'job_id', 'purchase_id', 'reason', 'corrects_transfer_id',
] as const;

/**
 * Spend analytics and the transaction history: read-only views over jobs (what was spent on
 * what) and the ledger's transfers (every movement of credits).
 */
@Injectable()
export class UsageService {
  constructor(
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
  ) {}

  /**
   * Spend per group per bucket over [from, to), from `jobs`: `captured_credits` is what the
   * ledger captured for the job (images kept × unit price, the rest already released) and
   * `images_done` the images kept. Jobs whose hold was voided or expired have no capture.
   *
   * Query plan (bench:usage, 1,000,000 jobs, one month by member: ~90 ms): the buckets are
   * generated first (generate_series in the pool's time zone, clipped to [from, to)), then a
   * nested loop does one range scan of the `(organization_id, created_at)` index on jobs per
   * bucket, and a hash aggregate groups by (bucket, key, operation). Nothing outside the org or
   * the range is read. Computing `date_trunc(bucket, created_at, tz)` per row instead cost a time
   * zone conversion per job and, worse, made the planner expect one group per row (the
   * expression looks as distinct as created_at), so it chose a serial sort spilling to disk and
   * a group aggregate: ~250 ms for the same month. `scope=me` adds `author_id` as a filter on
   * the same scan. The per-bucket rows and the totals by operation come from one materialised
   * CTE of at most buckets × groups × operations rows, so the range is read once; member names
   * are joined after aggregation. A year at once reads every job of the year (~500 ms for
   * 1,000,000); a covering index (organization_id, created_at) include (author_id, model_id,
   * operation, project_id, captured_credits, images_done) would make that an index-only scan.
   */
  async spend(organizationId: string, userId: string, query: SpendQuery): Promise<SpendReport> {
    const result = await this.postgres.pool.query<{
      time_zone: string;
      rows: { bucket_start: string; key: string | null; label: string | null; jobs: number; images: number; credits: string }[] | null;
      by_operation: { operation: string; jobs: number; images: number; credits: string }[] | null;
    }>(
      spendStatement(query.groupBy),
      [organizationId, query.from, query.to, query.scope === 'me' ? userId : null, query.bucket],
    );
    const row = result.rows[0];
    const rows = (row?.rows ?? []).map((entry) => ({
      bucketStart: new Date(entry.bucket_start).toISOString(),
      key: entry.key,
      label: entry.label,
      jobs: entry.jobs,
      images: entry.images,
      credits: Number(entry.credits),
    }));
    const byOperation = (row?.by_operation ?? []).map((entry) => ({ operation: entry.operation, jobs: entry.jobs, images: entry.images, credits: Number(entry.credits) }));
    const jobs = byOperation.reduce((sum, entry) => sum + entry.jobs, 0);
    const images = byOperation.reduce((sum, entry) => sum + entry.images, 0);
    const credits = byOperation.reduce((sum, entry) => sum + entry.credits, 0);
    return {
      groupBy: query.groupBy,
      bucket: query.bucket,
      scope: query.scope,
      from: new Date(query.from).toISOString(),
      to: new Date(query.to).toISOString(),
      timeZone: row?.time_zone ?? 'UTC',
      rows,
      totals: { jobs, images, credits, averageCreditsPerImage: images === 0 ? null : credits / images, byOperation },
    };
  }

  /** One page of the org's transfers, newest first (the ledger's history query, keyset on transfer id). */
  async transactions(organizationId: string, query: TransactionQuery): Promise<TransactionPage> {
    const page = await this.ledger.history({ ...historyFilters(organizationId, query), cursor: query.cursor ?? null, limit: query.limit });
    return { transactions: page.transfers.map(transactionView), nextCursor: page.nextCursor };
  }

  /**
   * Writes every matching transfer to `out` as CSV, newest first, one keyset page at a time:
   * a page is written before the next is read, and a full socket buffer pauses the walk, so
   * memory holds one page whatever the number of rows.
   */
  async exportCsv(organizationId: string, query: TransactionExportQuery, out: Writable): Promise<number> {
    const filters = historyFilters(organizationId, query);
    let cursor: string | null = null;
    let count = 0;
    if (!out.write(`${csvColumns.join(',')}\r\n`)) await drained(out);
    // A time range becomes its exact transfer-id bounds (one index-only read), so a month deep in
    // the history is read without walking through every newer transfer first.
    let transferIds: TransferIdRange | undefined;
    if (filters.from !== undefined || filters.to !== undefined) {
      const range = await this.ledger.transferIdRange({ orgId: organizationId, ...(filters.from === undefined ? {} : { from: filters.from }), ...(filters.to === undefined ? {} : { to: filters.to }) });
      if (range === null) return 0;
      transferIds = range;
    }
    do {
      const page = await this.ledger.history({ ...filters, ...(transferIds === undefined ? {} : { transferIds }), cursor, limit: exportPageSize });
      let chunk = '';
      for (const transfer of page.transfers) chunk += csvLine(transfer);
      count += page.transfers.length;
      cursor = page.nextCursor;
      if (out.destroyed) return count;
      if (!out.write(chunk)) await drained(out);
    } while (cursor !== null);
    return count;
  }
}

/** The spend statement for one `groupBy`; parameters: org id, from, to, author id or null, bucket. */
export function spendStatement(groupBy: SpendQuery['groupBy']): string {
  const group = groupColumns[groupBy];
  return `with pool as (select coalesce((select time_zone from ledger.pools where org_id = $1), 'UTC') as tz),
       -- Buckets are stepped in the pool's wall-clock time (so a day stays a day across DST) and
       -- converted back; written without PG 16's time-zone arguments to run on Postgres 15 too.
       buckets as (
         select local.start at time zone (select tz from pool) as start,
                greatest(local.start at time zone (select tz from pool), $2::timestamptz) as low,
                least((local.start + ('1 ' || $5)::interval) at time zone (select tz from pool), $3::timestamptz) as high
         from generate_series(date_trunc($5, $2::timestamptz at time zone (select tz from pool)),
                              ($3::timestamptz - interval '1 microsecond') at time zone (select tz from pool),
                              ('1 ' || $5)::interval) as local(start)
       ),
       spent as materialized (
         select bk.start as bucket_start, ${group} as key, j.operation,
                count(*)::int as jobs, sum(j.images_done)::int as images, sum(j.captured_credits) as credits
         from buckets bk
         join jobs j on j.organization_id = $1 and j.created_at >= bk.low and j.created_at < bk.high
         where j.captured_credits is not null
           and ($4::uuid is null or j.author_id = $4)
         group by 1, 2, 3
       ),
       grouped as (
         select bucket_start, key, sum(jobs)::int as jobs, sum(images)::int as images, sum(credits) as credits
         from spent group by bucket_start, key
       )
       select (select tz from pool) as time_zone,
         (select json_agg(json_build_object(
                   'bucket_start', g.bucket_start, 'key', g.key,
                   'label', ${groupBy === 'member' ? 'u.name' : 'g.key'},
                   'jobs', g.jobs, 'images', g.images, 'credits', g.credits::text)
                 order by g.bucket_start, g.key nulls first)
          from grouped g ${groupBy === 'member' ? 'left join users u on u.id::text = g.key' : ''}) as rows,
         (select json_agg(json_build_object('operation', o.operation, 'jobs', o.jobs, 'images', o.images, 'credits', o.credits::text) order by o.operation)
          from (select operation, sum(jobs)::int as jobs, sum(images)::int as images, sum(credits) as credits from spent group by operation) o) as by_operation`;
}

function historyFilters(organizationId: string, query: TransactionExportQuery): HistoryQuery & { limit: number } {
  const from = query.from === undefined ? undefined : new Date(query.from);
  const to = query.to === undefined ? undefined : new Date(query.to);
  if (from !== undefined && to !== undefined && from >= to) {
    throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: 'to: must be after from', field: 'to' });
  }
  return {
    orgId: organizationId,
    ...(query.memberId === undefined ? {} : { memberId: query.memberId }),
    ...(query.projectId === undefined ? {} : { projectId: query.projectId }),
    ...(query.kind === undefined ? {} : { kinds: query.kind }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    limit: 1,
  };
}

/** Waits for the socket buffer to empty, or for the client to go; leaves no listener behind. */
export async function drained(out: Writable): Promise<void> {
  if (out.destroyed) return;
  const done = new AbortController();
  try {
    await Promise.race([once(out, 'drain', { signal: done.signal }), once(out, 'close', { signal: done.signal })]);
  } finally {
    done.abort();
  }
}

function transactionView(transfer: TransferView): TransactionView {
  return {
    transferId: transfer.transferId.toString(),
    kind: transfer.kind,
    phase: transfer.phase,
    debitAccount: transfer.debitAccount,
    creditAccount: transfer.creditAccount,
    amountCredits: Number(transfer.amountCredits),
    memberId: transfer.memberId,
    projectId: transfer.projectId,
    actorId: transfer.actorId,
    holdId: transfer.holdId,
    jobId: transfer.reference.jobId,
    purchaseId: transfer.reference.purchaseId,
    reason: transfer.reason,
    correctsTransferId: transfer.correctsTransferId?.toString() ?? null,
    createdAt: transfer.createdAt.toISOString(),
  };
}

/** RFC 4180: a field with a comma, quote, CR or LF is quoted and its quotes doubled. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  // A leading =, +, - or @ would be run as a formula by spreadsheets: prefix a quote.
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?[0-9]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvLine(transfer: TransferView): string {
  return `${[
    transfer.transferId.toString(),
    transfer.createdAt.toISOString(),
    transfer.kind,
    transfer.phase,
    transfer.debitAccount,
    transfer.creditAccount,
    transfer.amountCredits.toString(),
    transfer.memberId,
    transfer.projectId,
    transfer.actorId,
    transfer.holdId,
    transfer.reference.jobId,
    transfer.reference.purchaseId,
    transfer.reason,
    transfer.correctsTransferId?.toString() ?? null,
  ].map(csvField).join(',')}\r\n`;
}
