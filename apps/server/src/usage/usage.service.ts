import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import type { HistoryQuery, TransferIdRange, TransferView } from '@atelier/ledger';
import type { SpendQuery, SpendReport, TransactionExportQuery, TransactionPage, TransactionQuery, TransactionView } from '@atelier/contracts';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { ApiError } from '../common/error.filter.js';
import { SpendRepository } from './spend.repository.js';

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
    @Inject(SpendRepository) private readonly spendRows: SpendRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
  ) {}

  /**
   * Spend per group per bucket over [from, to), from `jobs` (see SpendRepository.spend for what
   * is counted and the query plan), with the totals by operation.
   */
  async spend(organizationId: string, userId: string, query: SpendQuery): Promise<SpendReport> {
    const row = await this.spendRows.spend(organizationId, query.scope === 'me' ? userId : null, query);
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
