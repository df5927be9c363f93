import type pg from 'pg';
import { assert } from './assert.js';
import { asRecords, bigIntField, field, nullableBigIntField, queryOne, stringField } from './database.js';
import { allocate } from './holds.js';
import { ledgerLimits } from './limits.js';
import { readOperation, recordOperation, replayOperation } from './operations.js';
import {
  balancesJson,
  grantJson,
  holdJson,
  lockPools,
  readBalances,
  readBigIntList,
  readGrant,
  readHold,
  transferIdsJson,
  allocateTransferIds,
  liveGrantsInSpendingOrder,
  type HoldRecord,
  type LockedPool,
} from './rows.js';
import type {
  AdjustAccepted,
  AdjustResult,
  ExpireGrantsResult,
  GrantAccepted,
  GrantConsumption,
  GrantResult,
  GrantSource,
  GrantView,
  PoolBalance,
  ReverseAccepted,
  ReverseResult,
  TransferKind,
} from './types.js';
import { transferRow, WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';
import { settleLocked } from './deficits.js';

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

interface PoolSnapshot {
  pool: LockedPool;
  balance: PoolBalance;
}

async function lockOne(
  client: pg.ClientBase,
  orgId: string,
  now: Date,
  transferCount: number,
  withGrant = false,
): Promise<(PoolSnapshot & { transferIds: bigint[]; grantId: bigint }) | null> {
  const pool = (await lockPools(client, [orgId])).get(orgId);
  if (pool === undefined) {
    return null;
  }
  const row = await queryOne<{ balances: unknown; transfer_ids: unknown; grant_id: bigint }>(
    client,
    `select ${balancesJson('array[$1::uuid]', '$2::timestamptz')} as balances,
            ${transferIdsJson('$3::integer')} as transfer_ids,
            case when $4::boolean then nextval('ledger.grant_ids') else 0 end as grant_id`,
    [orgId, now.toISOString(), transferCount, withGrant],
    'ledger_lock_one_state',
  );
  const balance = readBalances(row.balances).get(orgId);
  assert(balance !== undefined, 'a locked pool has a balance');
  return { pool, balance, transferIds: readBigIntList(row.transfer_ids), grantId: row.grant_id };
}

function bump(balance: PoolBalance, change: Partial<Omit<PoolBalance, 'orgId' | 'balanceVersion'>>): PoolBalance {
  return {
    orgId: balance.orgId,
    postedCredits: balance.postedCredits + (change.postedCredits ?? 0n),
    pendingCredits: balance.pendingCredits + (change.pendingCredits ?? 0n),
    availableCredits: balance.availableCredits + (change.availableCredits ?? 0n),
    balanceVersion: balance.balanceVersion + 1n,
  };
}


/** Credits a pool from a source account and records the credits as a grant. */
export async function createGrant(client: pg.ClientBase, request: NormalizedGrant, now: Date): Promise<GrantResult & AdjustResult> {
  const locked = await lockOne(client, request.orgId, now, 1, true);
  if (locked === null) {
    return { ok: false, code: 'pool_not_found', figures: { orgId: request.orgId }, balanceVersion: null, replayed: false };
  }
  const version = locked.balance.balanceVersion;
  const stored = await readOperation(client, request.operationId);
  if (stored !== null) {
    const replayed = replayOperation<GrantAccepted & AdjustAccepted>(stored, request.transferKind, request.fingerprint, request.operationId, version);
    // A result stored before deficits existed has no settledDeficitCredits.
    return replayed.ok ? { ...replayed, settledDeficitCredits: (replayed as Partial<GrantAccepted>).settledDeficitCredits ?? 0n } : replayed;
  }
  if (request.expiresAt !== null && request.expiresAt.getTime() <= now.getTime()) {
    return {
      ok: false,
      code: 'invalid_expiry',
      figures: { expiresAt: request.expiresAt, now, latestExpiresAt: null },
      balanceVersion: version,
      replayed: false,
    };
  }
  const plan = new WritePlan();
  if (locked.balance.postedCredits + request.amountCredits > ledgerLimits.maxPoolBalanceCredits) {
    const refusal = {
      ok: false as const,
      code: 'balance_limit_exceeded' as const,
      figures: {
        postedCredits: locked.balance.postedCredits,
        requestedCredits: request.amountCredits,
        maxPoolBalanceCredits: ledgerLimits.maxPoolBalanceCredits,
      },
      balanceVersion: version,
      replayed: false,
    };
    plan.operations.push(operationRow(request.operationId, request.transferKind, request.orgId, request.fingerprint, refusal, now));
    await applyWritePlan(client, plan);
    return refusal;
  }
  const transferId = locked.transferIds[0];
  assert(transferId !== undefined, 'one transfer id was allocated');
  const { pool } = locked;
  plan.addTransfer(
    transferRow({
      transferId,
      orgId: request.orgId,
      kind: request.transferKind,
      phase: 'posted',
      debitAccountId: pool.accounts[request.source],
      creditAccountId: pool.accounts.pool,
      amountCredits: request.amountCredits,
      grantId: locked.grantId,
      actorId: request.actorId,
      reason: request.reason,
      jobId: request.jobId,
      purchaseId: request.purchaseId,
      operationId: request.operationId,
      correctsTransferId: request.correctsTransferId,
      createdAt: now,
    }),
  );
  plan.newGrants.push({
    grantId: locked.grantId,
    orgId: request.orgId,
    source: request.source,
    amountCredits: request.amountCredits,
    priority: request.priority,
    expiresAt: request.expiresAt,
    transferId,
    createdAt: now,
  });
  const balance = bump(locked.balance, { postedCredits: request.amountCredits, availableCredits: request.amountCredits });
  plan.setPoolVersion(request.orgId, balance.balanceVersion);
  const grant: GrantView = {
    grantId: locked.grantId,
    orgId: request.orgId,
    source: request.source,
    amountCredits: request.amountCredits,
    remainingCredits: request.amountCredits,
    heldCredits: 0n,
    availableCredits: request.amountCredits,
    priority: request.priority,
    expiresAt: request.expiresAt,
    expiredAt: null,
    createdAt: now,
    transferId,
  };
  const result: GrantAccepted & AdjustAccepted = {
    ok: true,
    grant,
    transferId,
    consumptions: [],
    settledDeficitCredits: 0n,
    balance,
    replayed: false,
  };
  if (pool.deficitCredits === 0n) {
    plan.operations.push(operationRow(request.operationId, request.transferKind, request.orgId, request.fingerprint, result, now));
    await applyWritePlan(client, plan);
    return result;
  }
  // Credits that arrive pay the deficit off first, in the same transaction.
  await applyWritePlan(client, plan);
  const settled = await settleLocked(client, { pool, balance }, pool.deficitCredits, now, {
    operationId: request.operationId,
    actorId: request.actorId,
    reason: 'deficit paid off from new credits',
  });
  const settledResult = { ...result, settledDeficitCredits: settled.settledCredits, balance: settled.balance };
  await recordOperation(client, request.operationId, request.transferKind, request.orgId, request.fingerprint, settledResult, now);
  return settledResult;
}

function operationRow(
  operationId: string,
  kind: string,
  orgId: string | null,
  fingerprint: string,
  result: unknown,
  now: Date,
): WritePlan['operations'][number] {
  return { operationId, kind, orgId, requestFingerprint: fingerprint, result, createdAt: now };
}

export interface NormalizedDebit {
  operationId: string;
  orgId: string;
  /** Positive: what leaves the pool. */
  amountCredits: bigint;
  correctsTransferId: bigint | null;
  purchaseId: string | null;
  jobId: string | null;
  actorId: string;
  reason: string;
  fingerprint: string;
}

/** A negative adjustment: debits available credits, consumed from grants in spending order. */
export async function debitPool(client: pg.ClientBase, request: NormalizedDebit, now: Date): Promise<AdjustResult> {
  const locked = await lockOne(client, request.orgId, now, 1);
  if (locked === null) {
    return { ok: false, code: 'pool_not_found', figures: { orgId: request.orgId }, balanceVersion: null, replayed: false };
  }
  const version = locked.balance.balanceVersion;
  const stored = await readOperation(client, request.operationId);
  if (stored !== null) {
    return replayOperation<AdjustAccepted>(stored, 'adjustment', request.fingerprint, request.operationId, version);
  }
  const plan = new WritePlan();
  if (locked.balance.availableCredits < request.amountCredits) {
    const refusal = {
      ok: false as const,
      code: 'insufficient_credits' as const,
      figures: { availableCredits: locked.balance.availableCredits, requestedCredits: request.amountCredits },
      balanceVersion: version,
      replayed: false,
    };
    plan.operations.push(operationRow(request.operationId, 'adjustment', request.orgId, request.fingerprint, refusal, now));
    await applyWritePlan(client, plan);
    return refusal;
  }
  const grants = await liveGrantsInSpendingOrder(client, request.orgId, now, request.amountCredits);
  const allocations = allocate(
    grants.map((grant) => ({ grantId: grant.grantId, freeCredits: grant.availableCredits })),
    request.amountCredits,
  );
  const transferId = locked.transferIds[0];
  assert(transferId !== undefined, 'one transfer id was allocated');
  plan.addTransfer(
    transferRow({
      transferId,
      orgId: request.orgId,
      kind: 'adjustment',
      phase: 'posted',
      debitAccountId: locked.pool.accounts.pool,
      creditAccountId: locked.pool.accounts.adjustment,
      amountCredits: request.amountCredits,
      actorId: request.actorId,
      reason: request.reason,
      jobId: request.jobId,
      purchaseId: request.purchaseId,
      operationId: request.operationId,
      correctsTransferId: request.correctsTransferId,
      createdAt: now,
    }),
  );
  for (const allocation of allocations) {
    plan.addGrantDelta(allocation.grantId, -allocation.amountCredits, 0n);
    plan.addConsumption({ transferId, grantId: allocation.grantId, amountCredits: allocation.amountCredits });
  }
  const balance = bump(locked.balance, { postedCredits: -request.amountCredits, availableCredits: -request.amountCredits });
  plan.setPoolVersion(request.orgId, balance.balanceVersion);
  const result: AdjustAccepted = { ok: true, transferId, grant: null, consumptions: allocations, balance, replayed: false };
  plan.operations.push(operationRow(request.operationId, 'adjustment', request.orgId, request.fingerprint, result, now));
  await applyWritePlan(client, plan);
  return result;
}

export interface NormalizedReverse {
  operationId: string;
  transferId: bigint;
  amountCredits: bigint | null;
  actorId: string;
  reason: string;
  fingerprint: string;
}

/** The org of a transfer, read without a lock (a transfer never changes). */
export async function orgOfTransfer(client: pg.ClientBase | pg.Pool, transferId: bigint): Promise<string | null> {
  const rows = await client.query<{ org_id: string }>('select org_id from ledger.transfers where transfer_id = $1', [transferId]);
  return rows.rows[0]?.org_id ?? null;
}

interface ReversalState {
  kind: TransferKind;
  grantId: bigint | null;
  /** For a capture: its hold. */
  hold: HoldRecord | null;
  /** For a capture: what its hold's capture and refunds consumed, net, per grant. */
  consumedByGrant: Map<bigint, bigint>;
  /** The grants involved: the reversed grant, or those the capture consumed. */
  grants: Map<bigint, { view: GrantView; live: boolean }>;
}

interface ReversalContext {
  client: pg.ClientBase;
  orgId: string;
  request: NormalizedReverse;
  now: Date;
  pool: LockedPool;
  balance: PoolBalance;
}

/**
 * Reverses a capture (refunds usage to the grants it consumed, last consumed first) or a grant
 * (revokes its unspent, unheld credits back to its source). Both by a new `reversal` transfer.
 */
export async function reverseTransfer(client: pg.ClientBase, orgId: string, request: NormalizedReverse, now: Date): Promise<ReverseResult> {
  const locked = await lockOne(client, orgId, now, 0);
  assert(locked !== null, 'the pool of a transfer exists');
  const stored = await readOperation(client, request.operationId);
  if (stored !== null) {
    return replayOperation<ReverseAccepted>(stored, 'reversal', request.fingerprint, request.operationId, locked.balance.balanceVersion);
  }
  const state = await readReversalState(client, request.transferId, now);
  const context: ReversalContext = { client, orgId, request, now, pool: locked.pool, balance: locked.balance };
  if (state.kind === 'capture') {
    return refundCapture(context, state);
  }
  if ((state.kind === 'grant' || state.kind === 'adjustment') && state.grantId !== null) {
    return revokeGrant(context, state, state.grantId);
  }
  return {
    ok: false,
    code: 'not_reversible',
    figures: { transferId: request.transferId, kind: state.kind },
    balanceVersion: locked.balance.balanceVersion,
    replayed: false,
  };
}

async function readReversalState(client: pg.ClientBase, transferId: bigint, now: Date): Promise<ReversalState> {
  const row = await queryOne<{ transfer: unknown; hold: unknown; consumptions: unknown; grants: unknown }>(
    client,
    `select
      (select json_build_object('kind', t.kind, 'grantId', t.grant_id::text)
       from ledger.transfers t where t.transfer_id = $1) as transfer,
      (select ${holdJson('h')} from ledger.holds h join ledger.transfers t on t.hold_id = h.hold_id
       where t.transfer_id = $1 and t.kind = 'capture') as hold,
      (select coalesce(json_agg(json_build_object('grantId', c.grant_id::text, 'amountCredits', c.amount_credits::text)), '[]'::json)
       from ledger.grant_consumptions c join ledger.transfers t on t.transfer_id = c.transfer_id
       where t.hold_id = (select hold_id from ledger.transfers where transfer_id = $1 and kind = 'capture')
         and t.kind in ('capture', 'reversal')) as consumptions,
      (select coalesce(json_agg(${grantJson('g', '$2::timestamptz')}), '[]'::json) from ledger.grants g
       where g.grant_id = (select grant_id from ledger.transfers where transfer_id = $1)
          or g.grant_id in (select c.grant_id from ledger.grant_consumptions c where c.transfer_id = $1)) as grants`,
    [transferId, now.toISOString()],
    'ledger_reverse_state',
  );
  assert(row.transfer !== null, 'the transfer was found before the lock');
  const transferRecord = row.transfer as Record<string, unknown>;
  const consumedByGrant = new Map<bigint, bigint>();
  for (const record of asRecords(row.consumptions)) {
    const grantId = bigIntField(record, 'grantId');
    consumedByGrant.set(grantId, (consumedByGrant.get(grantId) ?? 0n) + bigIntField(record, 'amountCredits'));
  }
  const grants = new Map<bigint, { view: GrantView; live: boolean }>();
  for (const record of asRecords(row.grants)) {
    grants.set(bigIntField(record, 'grantId'), { view: readGrant(record), live: field(record, 'live') === true });
  }
  return {
    kind: stringField(transferRecord, 'kind') as TransferKind,
    grantId: nullableBigIntField(transferRecord, 'grantId'),
    hold: row.hold === null ? null : readHold(row.hold as Record<string, unknown>),
    consumedByGrant,
    grants,
  };
}

function exceedsReversible(context: ReversalContext, reversibleCredits: bigint, requestedCredits: bigint): ReverseResult {
  return {
    ok: false,
    code: 'amount_exceeds_reversible',
    figures: { transferId: context.request.transferId, reversibleCredits, requestedCredits },
    balanceVersion: context.balance.balanceVersion,
    replayed: false,
  };
}

/** A refund: usage back to the pool, restored to the grants the capture consumed (last consumed first). */
async function refundCapture(context: ReversalContext, state: ReversalState): Promise<ReverseResult> {
  const { orgId, request, now, pool } = context;
  const hold = state.hold;
  assert(hold !== null, 'a capture has its hold');
  const reversible = (hold.view.capturedCredits ?? 0n) - hold.view.refundedCredits;
  const amount = request.amountCredits ?? reversible;
  if (amount <= 0n || amount > reversible) {
    return exceedsReversible(context, reversible, amount);
  }
  const plan = new WritePlan();
  const transferIds = await allocateTransferIds(context.client, 1 + hold.view.allocations.length);
  const [transferId, ...expiryTransferIds] = transferIds;
  assert(transferId !== undefined, 'transfer ids were allocated');
  let missing = amount;
  let expiredCredits = 0n;
  let availableGain = 0n;
  const consumptions: GrantConsumption[] = [];
  for (const allocation of [...hold.view.allocations].reverse()) {
    const consumed = state.consumedByGrant.get(allocation.grantId) ?? 0n;
    const restored = consumed < missing ? consumed : missing;
    if (restored <= 0n) {
      continue;
    }
    missing -= restored;
    const grant = state.grants.get(allocation.grantId);
    assert(grant !== undefined, 'the consumed grants were read');
    consumptions.push({ grantId: allocation.grantId, amountCredits: -restored });
    plan.addConsumption({ transferId, grantId: allocation.grantId, amountCredits: -restored });
    plan.addGrantDelta(allocation.grantId, restored, 0n);
    if (grant.view.expiredAt !== null) {
      // The grant has expired: its restored credits follow it to the expiry sink at once.
      const expiryTransferId = expiryTransferIds.shift();
      assert(expiryTransferId !== undefined, 'enough transfer ids for the expiries');
      plan.addGrantDelta(allocation.grantId, -restored, 0n);
      plan.addTransfer(
        transferRow({
          transferId: expiryTransferId,
          orgId,
          kind: 'grant_expiry',
          phase: 'posted',
          debitAccountId: pool.accounts.pool,
          creditAccountId: pool.accounts.expiry,
          amountCredits: restored,
          grantId: allocation.grantId,
          holdId: hold.view.holdId,
          reason: 'refunded after the grant expired',
          createdAt: now,
        }),
      );
      expiredCredits += restored;
    } else if (grant.live) {
      availableGain += restored;
    }
  }
  assert(missing === 0n, 'a refund never exceeds what the capture consumed');
  plan.addTransfer(
    transferRow({
      transferId,
      orgId,
      kind: 'reversal',
      phase: 'posted',
      debitAccountId: pool.accounts.usage,
      creditAccountId: pool.accounts.pool,
      amountCredits: amount,
      holdId: hold.view.holdId,
      memberId: hold.view.memberId,
      projectId: hold.view.projectId,
      actorId: request.actorId,
      reason: request.reason,
      jobId: hold.view.reference.jobId,
      operationId: request.operationId,
      correctsTransferId: request.transferId,
      createdAt: now,
    }),
  );
  // The refund lowers what the budgets spent in the period the hold was placed in.
  for (const [scope, subjectId, periodStart] of [
    ['member', hold.view.memberId, hold.memberPeriodStart],
    ['project', hold.view.projectId, hold.projectPeriodStart],
  ] as const) {
    if (subjectId !== null) {
      plan.addUsage({ orgId, scope, subjectId, periodStart, spentCredits: -amount, pendingCredits: 0n });
    }
  }
  plan.holdUpdates.push({
    holdId: hold.view.holdId,
    status: null,
    expiresAt: null,
    capturedCredits: null,
    refundedCredits: amount,
    resolvedAt: null,
    resolutionFingerprint: null,
    resolutionOperationId: null,
    resolutionResult: null,
  });
  const balance = bump(context.balance, { postedCredits: amount - expiredCredits, availableCredits: availableGain });
  plan.setPoolVersion(orgId, balance.balanceVersion);
  const result: ReverseAccepted = {
    ok: true,
    transferId,
    reversedTransferId: request.transferId,
    amountCredits: amount,
    consumptions,
    expiredCredits,
    balance,
    replayed: false,
  };
  plan.operations.push(operationRow(request.operationId, 'reversal', orgId, request.fingerprint, result, now));
  await applyWritePlan(context.client, plan);
  return result;
}

/** A revocation: what is left of a grant (unspent, unheld, not expired) back to its source. */
async function revokeGrant(context: ReversalContext, state: ReversalState, grantId: bigint): Promise<ReverseResult> {
  const { orgId, request, now, pool } = context;
  const grant = state.grants.get(grantId);
  assert(grant !== undefined, 'the granted grant was read');
  const reversible = grant.view.expiredAt === null ? grant.view.remainingCredits - grant.view.heldCredits : 0n;
  const amount = request.amountCredits ?? reversible;
  if (amount <= 0n || amount > reversible) {
    return exceedsReversible(context, reversible, amount);
  }
  const [transferId] = await allocateTransferIds(context.client, 1);
  assert(transferId !== undefined, 'transfer ids were allocated');
  const plan = new WritePlan();
  plan.addTransfer(
    transferRow({
      transferId,
      orgId,
      kind: 'reversal',
      phase: 'posted',
      debitAccountId: pool.accounts.pool,
      creditAccountId: pool.accounts[grant.view.source],
      amountCredits: amount,
      grantId,
      actorId: request.actorId,
      reason: request.reason,
      operationId: request.operationId,
      correctsTransferId: request.transferId,
      createdAt: now,
    }),
  );
  plan.addGrantDelta(grantId, -amount, 0n);
  plan.addConsumption({ transferId, grantId, amountCredits: amount });
  const balance = bump(context.balance, { postedCredits: -amount, availableCredits: grant.live ? -amount : 0n });
  plan.setPoolVersion(orgId, balance.balanceVersion);
  const result: ReverseAccepted = {
    ok: true,
    transferId,
    reversedTransferId: request.transferId,
    amountCredits: amount,
    consumptions: [{ grantId, amountCredits: amount }],
    expiredCredits: 0n,
    balance,
    replayed: false,
  };
  plan.operations.push(operationRow(request.operationId, 'reversal', orgId, request.fingerprint, result, now));
  await applyWritePlan(context.client, plan);
  return result;
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
  const locked = await lockOne(client, orgId, now, grantIds.length);
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
  const balance = bump(locked.balance, { postedCredits: -expiredTotal });
  plan.setPoolVersion(orgId, balance.balanceVersion);
  await applyWritePlan(client, plan);
  return { expired, balance };
}
