import type pg from 'pg';
import { assert } from './assert.js';
import { asRecords, query, queryOne } from './database.js';
import { ledgerLimits } from './limits.js';
import { balancesJson, grantJson, holdJson, readBalances, readGrant, readHold } from './rows.js';
import type { AccountKind, GrantView, HistoryPage, HistoryQuery, HoldView, PoolBalanceResult, TransferIdRange, TransferKind, TransferPhase, TransferView } from './types.js';

/** A pool's balance and its grants that still hold credits (or expired with credits held), spending order. */
export async function poolBalance(client: pg.Pool | pg.ClientBase, orgId: string, now: Date): Promise<PoolBalanceResult> {
  const row = await queryOne<{ balances: unknown; grants: unknown }>(
    client,
    `select ${balancesJson('array[$1::uuid]', '$2::timestamptz')} as balances,
      (select coalesce(json_agg(${grantJson('g', '$2::timestamptz')} order by g.priority, g.expires_at, g.grant_id), '[]'::json)
       from (select * from ledger.grants where org_id = $1 and active
             order by priority, expires_at, grant_id limit $3) g) as grants`,
    [orgId, now.toISOString(), ledgerLimits.maxGrantsListed],
    'ledger_pool_balance',
  );
  const balance = readBalances(row.balances).get(orgId);
  if (balance === undefined) {
    return { ok: false, code: 'pool_not_found', figures: { orgId }, balanceVersion: null, replayed: false };
  }
  return { ok: true, balance, grants: asRecords(row.grants).map(readGrant) };
}

export async function readHoldView(client: pg.Pool | pg.ClientBase, holdId: string): Promise<HoldView | null> {
  const rows = await query<{ hold: unknown }>(
    client,
    `select ${holdJson('h')} as hold from ledger.holds h where h.hold_id = $1 and h.status <> 'rejected'`,
    [holdId],
  );
  const row = rows[0];
  return row === undefined ? null : readHold(row.hold as Record<string, unknown>).view;
}

/** Cursors are opaque to callers; inside, the last transfer id of the previous page. */
function decodeCursor(cursor: string): bigint {
  assert(/^c[0-9]{1,19}$/.test(cursor), 'history cursor is malformed');
  return BigInt(cursor.slice(1));
}

function encodeCursor(transferId: bigint): string {
  return `c${transferId.toString()}`;
}

interface HistoryRow {
  transfer_id: bigint;
  org_id: string;
  kind: TransferKind;
  phase: TransferPhase;
  debit_kind: AccountKind;
  credit_kind: AccountKind;
  amount_credits: bigint;
  hold_id: string | null;
  grant_id: bigint | null;
  member_id: string | null;
  project_id: string | null;
  actor_id: string | null;
  reason: string | null;
  job_id: string | null;
  purchase_id: string | null;
  operation_id: string | null;
  corrects_transfer_id: bigint | null;
  created_at: Date;
}

function transferView(row: HistoryRow): TransferView {
  return {
    transferId: row.transfer_id,
    orgId: row.org_id,
    kind: row.kind,
    phase: row.phase,
    debitAccount: row.debit_kind,
    creditAccount: row.credit_kind,
    amountCredits: row.amount_credits,
    holdId: row.hold_id,
    grantId: row.grant_id,
    memberId: row.member_id,
    projectId: row.project_id,
    actorId: row.actor_id,
    reason: row.reason,
    reference: { jobId: row.job_id, purchaseId: row.purchase_id },
    operationId: row.operation_id,
    correctsTransferId: row.corrects_transfer_id,
    createdAt: row.created_at,
  };
}

/**
 * Transfers of a pool, newest first. Within a pool transfer ids grow in commit order (they are
 * drawn under the pool lock), so pages are stable: a transfer committed during a walk has a higher
 * id than every page read so far and shows on a fresh first page, never in the middle of the walk.
 */
export async function history(client: pg.Pool | pg.ClientBase, request: HistoryQuery): Promise<HistoryPage> {
  const before = request.cursor === undefined || request.cursor === null ? null : decodeCursor(request.cursor);
  const rows = await query<HistoryRow>(
    client,
    `select t.transfer_id, t.org_id, t.kind, t.phase, d.kind as debit_kind, c.kind as credit_kind, t.amount_credits,
            t.hold_id, t.grant_id, t.member_id, t.project_id, t.actor_id, t.reason, t.job_id, t.purchase_id,
            t.operation_id, t.corrects_transfer_id, t.created_at
     from ledger.transfers t
     join ledger.accounts d on d.account_id = t.debit_account_id
     join ledger.accounts c on c.account_id = t.credit_account_id
     where t.org_id = $1
       and ($2::uuid is null or t.member_id = $2)
       and ($3::uuid is null or t.project_id = $3)
       and ($4::text[] is null or t.kind = any($4::text[]))
       and ($5::timestamptz is null or t.created_at >= $5)
       and ($6::timestamptz is null or t.created_at < $6)
       and ($7::bigint is null or t.transfer_id < $7)
       and ($9::bigint is null or t.transfer_id >= $9)
       and ($10::bigint is null or t.transfer_id <= $10)
     order by t.transfer_id desc
     limit $8`,
    [
      request.orgId,
      request.memberId ?? null,
      request.projectId ?? null,
      request.kinds === undefined ? null : [...request.kinds],
      request.from?.toISOString() ?? null,
      request.to?.toISOString() ?? null,
      before,
      request.limit + 1,
      request.transferIds?.low ?? null,
      request.transferIds?.high ?? null,
    ],
    'ledger_history',
  );
  const page = rows.slice(0, request.limit);
  const transfers = page.map(transferView);
  const last = page.at(-1);
  return {
    transfers,
    nextCursor: rows.length > request.limit && last !== undefined ? encodeCursor(last.transfer_id) : null,
  };
}

/** One grant of a pool, with the credits its expiry moved to the expiry sink; null when unknown. */
export async function grantState(
  client: pg.Pool | pg.ClientBase,
  orgId: string,
  grantId: bigint,
  now: Date,
): Promise<{ grant: GrantView; expiredCredits: bigint } | null> {
  const rows = await query<{ grant: unknown; expired_credits: bigint }>(
    client,
    `select ${grantJson('g', '$3::timestamptz')} as grant,
       (select coalesce(sum(t.amount_credits), 0) from ledger.transfers t where t.grant_id = g.grant_id and t.kind = 'grant_expiry')::bigint as expired_credits
     from ledger.grants g where g.org_id = $1 and g.grant_id = $2`,
    [orgId, grantId, now.toISOString()],
  );
  const row = rows[0];
  return row === undefined ? null : { grant: readGrant(row.grant as Record<string, unknown>), expiredCredits: row.expired_credits };
}

/** The lowest and highest transfer id of an org's transfers in [from, to); null when there is none. */
export async function transferIdRange(client: pg.Pool, orgId: string, from: Date | null, to: Date | null): Promise<TransferIdRange | null> {
  const row = await queryOne<{ low: bigint | null; high: bigint | null }>(
    client,
    `select min(transfer_id) as low, max(transfer_id) as high from ledger.transfers
      where org_id = $1 and ($2::timestamptz is null or created_at >= $2) and ($3::timestamptz is null or created_at < $3)`,
    [orgId, from?.toISOString() ?? null, to?.toISOString() ?? null],
    'ledger_transfer_id_range',
  );
  return row.low === null || row.high === null ? null : { low: row.low, high: row.high };
}
