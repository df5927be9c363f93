import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Writable } from 'node:stream';
import { catalogs, isOperation, operationLabel } from '@atelier/pricing';
import type { UsageStatementQuery } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { csvField, drained } from './usage.service.js';
import { UsageStatementRepository, type StatementRow } from './usage-statement.repository.js';

/** Rows read per page of the statement. */
const statementPageSize = 500;

/** The header row: the date column names the pool's time zone. */
export function statementColumns(timeZone: string): string[] {
  return [`Date (${timeZone})`, 'Member', 'Project', 'Entry', 'Model', 'Operation', 'Credits', 'Balance after', 'Job', 'Images', 'Note'];
}

/** "Flux.1 [schnell]" for "flux-schnell", from the built-in catalogs (an unknown id is shown as is). */
const modelNames = new Map<string, string>();
for (const catalog of [catalogs.defaultCatalog, catalogs.listA, catalogs.listB]) {
  for (const model of catalog.models) if (!modelNames.has(model.id)) modelNames.set(model.id, model.name);
}

/** What moved the credits, in words: the transfer's kind and the account on the other side. */
function entryOf(row: StatementRow): string {
  switch (row.kind) {
    case 'capture':
      return 'Image generation';
    case 'grant':
      return { purchase: 'Credits purchased', subscription: 'Subscription credits', promotion: 'Credits granted', adjustment: 'Adjustment' }[row.counterpart] ?? 'Credits added';
    case 'grant_expiry':
      return 'Credits expired';
    case 'adjustment':
      return 'Adjustment';
    case 'reversal':
      return row.counterpart === 'usage' ? 'Refund' : 'Credits taken back';
    default:
      return row.kind;
  }
}

/**
 * The usage statement: the human CSV export beside the raw ledger one. One row per movement of the
 * pool's balance (credits in: grants, purchases, refunds; out: generations, expiries), oldest
 * first, with the date in the pool's time zone, member and project names, the model's display name,
 * the operation, signed credits, the pool's balance after the row, and links to the job and its images.
 */
@Injectable()
export class UsageStatementService {
  constructor(
    @Inject(UsageStatementRepository) private readonly statements: UsageStatementRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Streams the statement to `out` one page at a time; returns the rows written. */
  async exportCsv(organizationId: string, query: UsageStatementQuery, out: Writable): Promise<number> {
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from !== undefined && to !== undefined && from >= to) {
      throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: 'to: must be after from', field: 'to' });
    }
    const range = await this.statements.range(organizationId, from);
    if (!out.write(`${statementColumns(range.timeZone).map(csvField).join(',')}\r\n`)) await drained(out);
    let balance = range.openingBalance;
    let next = range.firstTransferId;
    let count = 0;
    while (next !== null) {
      const rows = await this.statements.page(organizationId, range.timeZone, next, to, statementPageSize);
      let chunk = '';
      for (const row of rows) {
        // The balance runs over every movement; the filters only choose which rows are shown.
        balance += BigInt(row.signed_credits);
        if (query.memberId !== undefined && row.member_id !== query.memberId) continue;
        if (query.projectId !== undefined && row.project_id !== query.projectId) continue;
        chunk += this.line(organizationId, row, balance);
        count += 1;
      }
      const last = rows.at(-1);
      next = rows.length < statementPageSize || last === undefined ? null : (BigInt(last.transfer_id) + 1n).toString();
      if (out.destroyed) return count;
      if (chunk !== '' && !out.write(chunk)) await drained(out);
    }
    return count;
  }

  private line(organizationId: string, row: StatementRow, balance: bigint): string {
    const base = this.config.publicUrl;
    const operation = row.operation === null ? null : isOperation(row.operation) ? operationLabel(row.operation) : row.operation;
    return `${[
      row.local_time,
      row.member_name,
      row.project_name,
      entryOf(row),
      row.model_id === null ? null : (modelNames.get(row.model_id) ?? row.model_id),
      operation,
      row.signed_credits,
      balance.toString(),
      row.job_id === null ? null : `${base}/api/orgs/${organizationId}/jobs/${row.job_id}`,
      (row.asset_ids ?? []).map((assetId) => `${base}/orgs/${organizationId}/gallery/${assetId}`).join(' ') || null,
      row.kind === 'capture' ? null : row.reason,
    ].map(csvField).join(',')}\r\n`;
  }
}
