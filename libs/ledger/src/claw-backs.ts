import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { assert } from './assert.js';
import { query, queryOne } from './database.js';
import { addDeficitEntry, lockedOperation, settleLocked } from './deficits.js';
import { nextBalance, type PoolSnapshot } from './locked-pool.js';
import { allocateTransferIds, grantJson, readGrant, type LockedPool } from './rows.js';
import type { ClawBackAccepted, ClawBackResult, GrantView, PoolBalance } from './types.js';
import { transferRow, WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/**
 * Claw-backs. A refund or dispute covers some credits of the grant its payment bought: the
 * unspent, unheld part is taken back at once (a `reversal`, pool → source, as a revocation); the
 * rest was spent (or is held by pending holds) and becomes the pool's deficit (deficits.ts), paid
 * off from available credits as far as they go.
 */

export interface NormalizedClawBack {
  operationId: string;
  orgId: string;
  grantId: bigint;
  amountCredits: bigint;
  purchaseId: string | null;
  actorId: string;
  reason: string;
  fingerprint: string;
}

interface GrantClawState {
  grant: GrantView;
  live: boolean;
  clawedBackCredits: bigint;
  settledCredits: bigint;
  expiredCredits: bigint;
  revokedCredits: bigint;
  deficitChargedCredits: bigint;
}

async function readGrantClawStates(client: pg.ClientBase, orgId: string, grantIds: readonly bigint[], now: Date): Promise<GrantClawState[]> {
  const rows = await query<{ grant: unknown; clawed_back_credits: bigint; settled_credits: bigint; expired_credits: bigint; revoked_credits: bigint; deficit_credits: bigint }>(
    client,
    `select ${grantJson('g', '$3::timestamptz')} as grant, g.clawed_back_credits, g.claw_back_settled_credits as settled_credits,
       (select coalesce(sum(t.amount_credits), 0) from ledger.transfers t where t.grant_id = g.grant_id and t.kind = 'grant_expiry')::bigint as expired_credits,
       (select coalesce(sum(t.amount_credits), 0) from ledger.transfers t where t.grant_id = g.grant_id and t.kind = 'reversal')::bigint as revoked_credits,
       (select coalesce(sum(d.amount_credits), 0) from ledger.deficit_entries d where d.grant_id = g.grant_id and d.kind = 'clawback')::bigint as deficit_credits
     from ledger.grants g where g.org_id = $1 and g.grant_id = any($2::bigint[]) order by g.grant_id`,
    [orgId, grantIds.map(String), now.toISOString()],
    'ledger_clawback_grant',
  );
  return rows.map((row) => {
    const record = row.grant as Record<string, unknown>;
    return {
      grant: readGrant(record),
      live: record.live === true,
      clawedBackCredits: row.clawed_back_credits,
      settledCredits: row.settled_credits,
      expiredCredits: row.expired_credits,
      revokedCredits: row.revoked_credits,
      deficitChargedCredits: row.deficit_credits,
    };
  });
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

export interface Collected {
  reclaimedCredits: bigint;
  deficitAddedCredits: bigint;
  /** Covered credits pending holds still hold: collected when those holds resolve. */
  waitingCredits: bigint;
  balance: PoolBalance;
  deficitCredits: bigint;
}

/**
 * Collects what claw-backs have covered of a grant and not yet settled: its unspent, unheld
 * credits are taken back (a `reversal`, pool → source), the part the org spent of it becomes
 * deficit, the part pending holds still hold waits for them (they are not spent yet: a void gives
 * them back to the grant, to be taken on the next collection; a capture spends them, to be owed),
 * and what is neither (expired unused) is settled with nothing to collect. Runs under the pool
 * lock, in the caller's transaction.
 */
export async function collectClawBack(
  client: pg.ClientBase,
  locked: PoolSnapshot,
  deficitCredits: bigint,
  state: GrantClawState,
  now: Date,
  operation: { operationId: string; actorId: string | null; reason: string; purchaseId: string | null },
): Promise<Collected> {
  const { grant } = state;
  const pending = state.clawedBackCredits - state.settledCredits;
  if (pending <= 0n) {
    return { reclaimedCredits: 0n, deficitAddedCredits: 0n, waitingCredits: 0n, balance: locked.balance, deficitCredits };
  }
  const unspent = grant.expiredAt === null && state.live ? grant.remainingCredits - grant.heldCredits : 0n;
  const reclaimed = min(pending, max(0n, unspent));
  // Spent (consumed, net of refunds): what the org had the use of. Expired credits it never used.
  const spent = grant.amountCredits - grant.remainingCredits - state.expiredCredits - state.revokedCredits;
  const deficitAdded = min(pending - reclaimed, max(0n, spent - state.deficitChargedCredits));
  const waiting = min(pending - reclaimed - deficitAdded, grant.heldCredits);
  assert(deficitAdded >= 0n && waiting >= 0n, 'a collection never lowers the deficit');
  const orgId = locked.pool.orgId;
  let balance = reclaimed > 0n ? await reclaimUnspent(client, locked, grant, reclaimed, now, operation) : locked.balance;
  await query(
    client,
    'update ledger.grants set claw_back_settled_credits = claw_back_settled_credits + $2 where grant_id = $1',
    [grant.grantId, pending - waiting],
    'ledger_grant_claw_back_settled',
  );
  let deficit = deficitCredits;
  if (deficitAdded > 0n) {
    await addDeficitEntry(client, {
      orgId,
      kind: 'clawback',
      amountCredits: deficitAdded,
      grantId: grant.grantId,
      transferId: null,
      operationId: operation.operationId,
      purchaseId: operation.purchaseId,
      reason: operation.reason,
      now,
    });
    deficit += deficitAdded;
    if (reclaimed === 0n) {
      balance = nextBalance(balance, {}); // the deficit is part of the pool's state: a new version
      const plan = new WritePlan();
      plan.setPoolVersion(orgId, balance.balanceVersion);
      await applyWritePlan(client, plan);
    }
  }
  return { reclaimedCredits: reclaimed, deficitAddedCredits: deficitAdded, waitingCredits: waiting, balance, deficitCredits: deficit };
}

/** Takes `reclaimed` unspent credits of the grant back to its source: a `reversal`, pool → source. */
async function reclaimUnspent(
  client: pg.ClientBase,
  locked: PoolSnapshot,
  grant: GrantView,
  reclaimed: bigint,
  now: Date,
  operation: { operationId: string; actorId: string | null; reason: string; purchaseId: string | null },
): Promise<PoolBalance> {
  const orgId = locked.pool.orgId;
  const [transferId] = await allocateTransferIds(client, 1);
  assert(transferId !== undefined, 'a transfer id was allocated');
  const plan = new WritePlan();
  plan.addTransfer(
    transferRow({
      phase: 'posted',
      transferId,
      orgId,
      kind: 'reversal',
      debitAccountId: locked.pool.accounts.pool,
      creditAccountId: locked.pool.accounts[grant.source],
      amountCredits: reclaimed,
      grantId: grant.grantId,
      actorId: operation.actorId,
      reason: operation.reason,
      purchaseId: operation.purchaseId,
      operationId: operation.operationId,
      correctsTransferId: grant.transferId,
      createdAt: now,
    }),
  );
  plan.addGrantDelta(grant.grantId, -reclaimed, 0n);
  plan.addConsumption({ transferId, grantId: grant.grantId, amountCredits: reclaimed });
  const balance = nextBalance(locked.balance, { postedCredits: -reclaimed, availableCredits: -reclaimed });
  plan.setPoolVersion(orgId, balance.balanceVersion);
  await applyWritePlan(client, plan);
  return balance;
}

/**
 * After holds resolved on a locked pool (in the caller's transaction): collects the claw-backs
 * waiting on the grants they held from, then pays any deficit that added from available credits.
 */
export async function collectAfterResolution(
  client: pg.ClientBase,
  pool: LockedPool,
  balance: PoolBalance,
  grantIds: readonly bigint[],
  now: Date,
): Promise<PoolBalance> {
  if (grantIds.length === 0) return balance;
  const waiting = await query<{ grant_id: bigint }>(
    client,
    'select grant_id from ledger.grants where org_id = $1 and grant_id = any($2::bigint[]) and clawed_back_credits > claw_back_settled_credits',
    [pool.orgId, grantIds.map(String)],
    'ledger_claw_backs_waiting',
  );
  if (waiting.length === 0) return balance;
  const deficitRow = await queryOne<{ deficit_credits: bigint }>(client, 'select deficit_credits from ledger.pools where org_id = $1', [pool.orgId], 'ledger_pool_deficit');
  let locked: PoolSnapshot = { pool, balance };
  let deficit = deficitRow.deficit_credits;
  const operationId = randomUUID();
  const reason = 'refunded credits collected as the jobs holding them finished';
  for (const state of await readGrantClawStates(client, pool.orgId, waiting.map((row) => row.grant_id), now)) {
    const collected = await collectClawBack(client, locked, deficit, state, now, { operationId, actorId: null, reason, purchaseId: null });
    locked = { pool, balance: collected.balance };
    deficit = collected.deficitCredits;
  }
  const settled = await settleLocked(client, locked, deficit, now, { operationId, actorId: pool.orgId, reason: 'deficit paid off from available credits' });
  return settled.balance;
}

/** Covers credits of a grant for a refund or dispute, and collects them as far as they can be now. */
export function clawBack(client: pg.ClientBase, request: NormalizedClawBack, now: Date): Promise<ClawBackResult> {
  return lockedOperation(client, request, 'clawback', now, async (locked): Promise<ClawBackResult> => {
    const [before] = await readGrantClawStates(client, request.orgId, [request.grantId], now);
    if (before === undefined) {
      return { ok: false, code: 'grant_not_found', figures: { grantId: request.grantId }, balanceVersion: locked.balance.balanceVersion, replayed: false };
    }
    const covered = min(request.amountCredits, before.grant.amountCredits - before.clawedBackCredits);
    const state = { ...before, clawedBackCredits: before.clawedBackCredits + covered };
    if (covered > 0n) {
      await query(client, 'update ledger.grants set clawed_back_credits = clawed_back_credits + $2 where grant_id = $1', [request.grantId, covered], 'ledger_grant_clawed_back');
    }
    const collected = await collectClawBack(client, locked, locked.pool.deficitCredits, state, now, request);
    const settled = await settleLocked(client, { pool: locked.pool, balance: collected.balance }, collected.deficitCredits, now, {
      operationId: request.operationId,
      actorId: request.actorId,
      reason: 'deficit paid off from available credits',
    });
    const result: ClawBackAccepted = {
      ok: true,
      grantId: request.grantId,
      coveredCredits: covered,
      reclaimedCredits: collected.reclaimedCredits,
      deficitAddedCredits: collected.deficitAddedCredits,
      waitingCredits: collected.waitingCredits,
      settledCredits: settled.settledCredits,
      deficitCredits: collected.deficitCredits - settled.settledCredits,
      balance: settled.balance,
      replayed: false,
    };
    return result;
  });
}

