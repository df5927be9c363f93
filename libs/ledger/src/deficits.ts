import type pg from 'pg';
import { assert } from './assert.js';
import { asRecords, bigIntField, dateField, nullableBigIntField, nullableStringField, query, queryOne, stringField } from './database.js';
import { allocate } from './allocation.js';
import { lockPoolWithBalance, nextBalance, type PoolSnapshot } from './locked-pool.js';
import { readOperation, recordOperation, replayOperation } from './operations.js';
import { allocateTransferIds, liveGrantsInSpendingOrder } from './rows.js';
import type { DeficitEntry, DeficitResult, IdConflict, PoolBalance, PoolNotFound, SettleDeficitAccepted, SettleDeficitResult } from './types.js';
import { transferRow, WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/**
 * The deficit: credits a refund or dispute took back after the org had spent them (claw-backs.ts
 * decides how much). Nothing goes negative: the deficit is a separate, recorded figure that
 * refuses new holds until it is paid off, by available credits (at once, when the pool has some)
 * or by credits that arrive later (every grant pays the deficit first). A settlement is an
 * `adjustment` transfer pool → adjustment account, consuming grants in spending order, so every
 * invariant keeps holding.
 */

export interface NormalizedSettle {
  operationId: string;
  orgId: string;
  actorId: string;
  reason: string;
  fingerprint: string;
}

/** Records a change of the deficit (a claw-back charged, a settlement paid) and moves the pool's figure with it. */
export async function addDeficitEntry(
  client: pg.ClientBase,
  entry: { orgId: string; kind: 'clawback' | 'settlement'; amountCredits: bigint; grantId: bigint | null; transferId: bigint | null; operationId: string; purchaseId: string | null; reason: string; now: Date },
): Promise<void> {
  await query(
    client,
    `with entry as (
       insert into ledger.deficit_entries (org_id, kind, amount_credits, grant_id, transfer_id, operation_id, purchase_id, reason, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9))
     update ledger.pools set deficit_credits = deficit_credits + $3,
       deficit_since = case when deficit_credits + $3 = 0 then null else coalesce(deficit_since, $9) end
     where org_id = $1`,
    [entry.orgId, entry.kind, entry.amountCredits, entry.grantId, entry.transferId, entry.operationId, entry.purchaseId, entry.reason, entry.now.toISOString()],
    'ledger_deficit_entry',
  );
}

/**
 * Pays the locked pool's deficit off from its available credits, as far as they go, inside the
 * caller's transaction (the pool lock held). Returns what it settled and the balance after.
 */
export async function settleLocked(
  client: pg.ClientBase,
  locked: PoolSnapshot,
  deficitCredits: bigint,
  now: Date,
  operation: { operationId: string; actorId: string; reason: string },
): Promise<{ settledCredits: bigint; balance: PoolBalance }> {
  const amount = deficitCredits < locked.balance.availableCredits ? deficitCredits : locked.balance.availableCredits;
  if (amount <= 0n) {
    return { settledCredits: 0n, balance: locked.balance };
  }
  const orgId = locked.pool.orgId;
  const grants = await liveGrantsInSpendingOrder(client, orgId, now, amount);
  const allocations = allocate(
    grants.map((grant) => ({ grantId: grant.grantId, freeCredits: grant.availableCredits })),
    amount,
  );
  const [transferId] = await allocateTransferIds(client, 1);
  assert(transferId !== undefined, 'a transfer id was allocated');
  const plan = new WritePlan();
  plan.addTransfer(
    transferRow({
      phase: 'posted',
      transferId,
      orgId,
      kind: 'adjustment',
      debitAccountId: locked.pool.accounts.pool,
      creditAccountId: locked.pool.accounts.adjustment,
      amountCredits: amount,
      actorId: operation.actorId,
      reason: operation.reason,
      operationId: operation.operationId,
      createdAt: now,
    }),
  );
  for (const allocation of allocations) {
    plan.addGrantDelta(allocation.grantId, -allocation.amountCredits, 0n);
    plan.addConsumption({ transferId, grantId: allocation.grantId, amountCredits: allocation.amountCredits });
  }
  const balance = nextBalance(locked.balance, { postedCredits: -amount, availableCredits: -amount });
  plan.setPoolVersion(orgId, balance.balanceVersion);
  await applyWritePlan(client, plan);
  await addDeficitEntry(client, {
    orgId,
    kind: 'settlement',
    amountCredits: -amount,
    grantId: null,
    transferId,
    operationId: operation.operationId,
    purchaseId: null,
    reason: operation.reason,
    now,
  });
  return { settledCredits: amount, balance };
}

/** Pays the deficit off from available credits, as far as they go. */
export function settleDeficit(client: pg.ClientBase, request: NormalizedSettle, now: Date): Promise<SettleDeficitResult> {
  return lockedOperation(client, request, 'settle_deficit', now, async (locked): Promise<SettleDeficitAccepted> => {
    const settled = await settleLocked(client, locked, locked.pool.deficitCredits, now, request);
    return {
      ok: true,
      settledCredits: settled.settledCredits,
      deficitCredits: locked.pool.deficitCredits - settled.settledCredits,
      balance: settled.balance,
      replayed: false,
    };
  });
}

/**
 * One idempotent operation on a pool: lock it (with its balance), answer a known operation id with
 * its first result, else run `work` and record what it accepted (refusals are not recorded).
 */
export async function lockedOperation<Outcome extends { ok: boolean; replayed: boolean }>(
  client: pg.ClientBase,
  request: { orgId: string; operationId: string; fingerprint: string },
  kind: string,
  now: Date,
  work: (locked: PoolSnapshot) => Promise<Outcome>,
): Promise<Outcome | PoolNotFound | IdConflict> {
  const locked = await lockPoolWithBalance(client, request.orgId, now);
  if (locked === null) {
    return { ok: false, code: 'pool_not_found', figures: { orgId: request.orgId }, balanceVersion: null, replayed: false };
  }
  const stored = await readOperation(client, request.operationId);
  if (stored !== null) {
    return replayOperation<Outcome>(stored, kind, request.fingerprint, request.operationId, locked.balance.balanceVersion);
  }
  const result = await work(locked);
  if (result.ok) await recordOperation(client, request.operationId, kind, request.orgId, request.fingerprint, result, now);
  return result;
}


/** The pool's deficit and its latest entries (at most `limit`). */
export async function readDeficit(client: pg.Pool | pg.ClientBase, orgId: string, limit: number): Promise<DeficitResult> {
  const pools = await query<{ deficit_credits: bigint; deficit_since: Date | null }>(
    client,
    'select deficit_credits, deficit_since from ledger.pools where org_id = $1',
    [orgId],
  );
  const pool = pools[0];
  if (pool === undefined) {
    return { ok: false, code: 'pool_not_found', figures: { orgId }, balanceVersion: null, replayed: false };
  }
  const row = await queryOne<{ entries: unknown }>(
    client,
    `select coalesce(json_agg(json_build_object('kind', e.kind, 'amountCredits', e.amount_credits::text, 'grantId', e.grant_id::text,
       'transferId', e.transfer_id::text, 'purchaseId', e.purchase_id, 'reason', e.reason, 'createdAt', e.created_at) order by e.entry_id desc), '[]'::json) as entries
     from (select * from ledger.deficit_entries where org_id = $1 order by entry_id desc limit $2) e`,
    [orgId, limit],
  );
  const entries: DeficitEntry[] = asRecords(row.entries).map((record) => ({
    kind: stringField(record, 'kind') as DeficitEntry['kind'],
    amountCredits: bigIntField(record, 'amountCredits'),
    grantId: nullableBigIntField(record, 'grantId'),
    transferId: nullableBigIntField(record, 'transferId'),
    purchaseId: nullableStringField(record, 'purchaseId'),
    reason: stringField(record, 'reason'),
    createdAt: dateField(record, 'createdAt'),
  }));
  return { ok: true, deficit: { orgId, deficitCredits: pool.deficit_credits, since: pool.deficit_since, entries } };
}
