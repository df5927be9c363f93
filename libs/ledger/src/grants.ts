import type pg from 'pg';
import { assert } from './assert.js';
import { asRecords, queryOne } from './database.js';
import { settleLocked } from './deficits.js';
import { ledgerLimits } from './limits.js';
import { lockPoolForWrite, nextBalance, type PoolSnapshot } from './locked-pool.js';
import { operationRow, readOperation, recordOperation, replayOperation, type StoredOperation } from './operations.js';
import { grantJson, readGrant } from './rows.js';
import type { AdjustAccepted, AdjustResult, ExpireGrantsResult, GrantAccepted, GrantResult, GrantSource, GrantView, PoolBalance } from './types.js';
import { transferRow, WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/**
 * Grants: credits arriving in a pool (a purchase, a subscription, a promotion, a positive
 * adjustment), each recorded as a grant that holds spend from, and the expiry of what is left of
 * them.
 */

export interface NormalizedGrant {
  operationId: string;
  orgId: string;
  /** `grant` for `Ledger.grant`, `adjustment` for a positive `Ledger.adjust`. */
  transferKind: 'grant' | 'adjustment';
  source: GrantSource;
  amountCredits: bigint;
  expiresAt: Date | null;
  priority: number;
  purchaseId: string | null;
  jobId: string | null;
  correctsTransferId: bigint | null;
  actorId: string;
  reason: string;
  fingerprint: string;
}

type GrantOutcome = GrantResult & AdjustResult;
type AcceptedGrant = GrantAccepted & AdjustAccepted;

/** Credits a pool from a source account and records the credits as a grant. */
export async function createGrant(client: pg.ClientBase, request: NormalizedGrant, now: Date): Promise<GrantOutcome> {
  const locked = await lockPoolForWrite(client, request.orgId, now, 1, true);
  if (locked === null) {
    return { ok: false, code: 'pool_not_found', figures: { orgId: request.orgId }, balanceVersion: null, replayed: false };
  }
  const version = locked.balance.balanceVersion;
  const stored = await readOperation(client, request.operationId);
  if (stored !== null) {
    return replayGrant(stored, request, version);
  }
  if (request.expiresAt !== null && request.expiresAt.getTime() <= now.getTime()) {
    const figures = { expiresAt: request.expiresAt, now, latestExpiresAt: null };
    return { ok: false, code: 'invalid_expiry', figures, balanceVersion: version, replayed: false };
  }
  if (locked.balance.postedCredits + request.amountCredits > ledgerLimits.maxPoolBalanceCredits) {
    return refuseOverLimit(client, request, locked.balance, now);
  }
  const transferId = locked.transferIds[0];
  assert(transferId !== undefined, 'one transfer id was allocated');
  const plan = new WritePlan();
  const result = planGrant(plan, request, locked, transferId, locked.grantId, now);
  if (locked.pool.deficitCredits === 0n) {
    plan.operations.push(operationRow(request.operationId, request.transferKind, request.orgId, request.fingerprint, result, now));
    await applyWritePlan(client, plan);
    return result;
  }
  await applyWritePlan(client, plan);
  return payDeficitFirst(client, request, locked, result, now);
}

function replayGrant(stored: StoredOperation, request: NormalizedGrant, version: bigint): GrantOutcome {
  const replayed = replayOperation<AcceptedGrant>(stored, request.transferKind, request.fingerprint, request.operationId, version);
  // A result stored before deficits existed has no settledDeficitCredits.
  return replayed.ok ? { ...replayed, settledDeficitCredits: (replayed as Partial<GrantAccepted>).settledDeficitCredits ?? 0n } : replayed;
}

/** A grant that would take the pool above its largest balance: refused, and the refusal recorded. */
async function refuseOverLimit(client: pg.ClientBase, request: NormalizedGrant, balance: PoolBalance, now: Date): Promise<GrantOutcome> {
  const refusal = {
    ok: false as const,
    code: 'balance_limit_exceeded' as const,
    figures: {
      postedCredits: balance.postedCredits,
      requestedCredits: request.amountCredits,
      maxPoolBalanceCredits: ledgerLimits.maxPoolBalanceCredits,
    },
    balanceVersion: balance.balanceVersion,
    replayed: false,
  };
  const plan = new WritePlan();
  plan.operations.push(operationRow(request.operationId, request.transferKind, request.orgId, request.fingerprint, refusal, now));
  await applyWritePlan(client, plan);
  return refusal;
}

/** The transfer source → pool, the grant it creates, the new balance. */
function planGrant(
  plan: WritePlan,
  request: NormalizedGrant,
  locked: PoolSnapshot,
  transferId: bigint,
  grantId: bigint,
  now: Date,
): AcceptedGrant {
  plan.addTransfer(
    transferRow({
      transferId,
      orgId: request.orgId,
      kind: request.transferKind,
      phase: 'posted',
      debitAccountId: locked.pool.accounts[request.source],
      creditAccountId: locked.pool.accounts.pool,
      amountCredits: request.amountCredits,
      grantId,
      actorId: request.actorId,
      reason: request.reason,
      jobId: request.jobId,
      purchaseId: request.purchaseId,
      operationId: request.operationId,
      correctsTransferId: request.correctsTransferId,
      createdAt: now,
    }),
  );
  const { orgId, source, amountCredits, priority, expiresAt } = request;
  plan.newGrants.push({ grantId, orgId, source, amountCredits, priority, expiresAt, transferId, createdAt: now });
  const balance = nextBalance(locked.balance, { postedCredits: amountCredits, availableCredits: amountCredits });
  plan.setPoolVersion(orgId, balance.balanceVersion);
  const grant: GrantView = {
    grantId,
    orgId,
    source,
    amountCredits,
    remainingCredits: amountCredits,
    heldCredits: 0n,
    availableCredits: amountCredits,
    priority,
    expiresAt,
    expiredAt: null,
    createdAt: now,
    transferId,
  };
  return { ok: true, grant, transferId, consumptions: [], settledDeficitCredits: 0n, balance, replayed: false };
}

/** Credits that arrive pay the deficit off first, in the same transaction. */
async function payDeficitFirst(
  client: pg.ClientBase,
  request: NormalizedGrant,
  locked: PoolSnapshot,
  result: AcceptedGrant,
  now: Date,
): Promise<AcceptedGrant> {
  const { pool } = locked;
  const settled = await settleLocked(client, { pool, balance: result.balance }, pool.deficitCredits, now, {
    operationId: request.operationId,
    actorId: request.actorId,
    reason: 'deficit paid off from new credits',
  });
  const settledResult = { ...result, settledDeficitCredits: settled.settledCredits, balance: settled.balance };
  await recordOperation(client, request.operationId, request.transferKind, request.orgId, request.fingerprint, settledResult, now);
  return settledResult;
}

/** Grants past expiry not yet expired, oldest expiry first. Read without locks. */
export async function expiredGrantCandidates(
  client: pg.Pool | pg.ClientBase,
  now: Date,
  limit: number,
): Promise<{ grantId: bigint; orgId: string }[]> {
  const rows = await client.query<{ grant_id: string; org_id: string }>(
    `select grant_id::text, org_id from ledger.grants
     where expired_at is null and expires_at <= $1
     order by expires_at limit $2`,
    [now.toISOString(), limit],
  );
  return rows.rows.map((row) => ({ grantId: BigInt(row.grant_id), orgId: row.org_id }));
}

/**
 * Moves the unspent, unheld remainder of each grant past its expiry to the expiry sink. Credits
 * still held stay with their holds: a capture may spend them; whatever the hold releases later
 * is expired at that moment. One balance version for the whole call.
 */
export async function expireGrantsOfPool(
  client: pg.ClientBase,
  orgId: string,
  grantIds: readonly bigint[],
  now: Date,
): Promise<{ expired: ExpireGrantsResult['expiredGrants']; balance: PoolBalance | null }> {
  const locked = await lockPoolForWrite(client, orgId, now, grantIds.length);
  assert(locked !== null, 'the pool of a grant exists');
  const row = await queryOne<{ grants: unknown }>(
    client,
    `select coalesce(json_agg(${grantJson('g', '$3::timestamptz')} order by g.expires_at, g.grant_id), '[]'::json) as grants
     from ledger.grants g
     where g.org_id = $1 and g.grant_id = any($2::bigint[]) and g.expired_at is null and g.expires_at <= $3::timestamptz`,
    [orgId, grantIds, now.toISOString()],
    'ledger_grants_to_expire',
  );
  const grants = asRecords(row.grants).map(readGrant);
  if (grants.length === 0) {
    return { expired: [], balance: null };
  }
  const plan = new WritePlan();
  const expired: ExpireGrantsResult['expiredGrants'] = [];
  let expiredTotal = 0n;
  grants.forEach((grant, index) => {
    const expiredCredits = grant.remainingCredits - grant.heldCredits;
    let transferId: bigint | null = null;
    if (expiredCredits > 0n) {
      transferId = locked.transferIds[index] ?? null;
      assert(transferId !== null, 'one transfer id per grant');
      plan.addTransfer(
        transferRow({
          transferId,
          orgId,
          kind: 'grant_expiry',
          phase: 'posted',
          debitAccountId: locked.pool.accounts.pool,
          creditAccountId: locked.pool.accounts.expiry,
          amountCredits: expiredCredits,
          grantId: grant.grantId,
          reason: 'grant expired',
          createdAt: now,
        }),
      );
      expiredTotal += expiredCredits;
    }
    plan.addGrantDelta(grant.grantId, -expiredCredits, 0n, now);
    expired.push({ grantId: grant.grantId, orgId, expiredCredits, transferId });
  });
  // Past expiry, these credits were already excluded from `available`.
  const balance = nextBalance(locked.balance, { postedCredits: -expiredTotal });
  plan.setPoolVersion(orgId, balance.balanceVersion);
  await applyWritePlan(client, plan);
  return { expired, balance };
}
