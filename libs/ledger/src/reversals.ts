import type pg from 'pg';
import { assert } from './assert.js';
import { asRecords, bigIntField, field, nullableBigIntField, queryOne, stringField } from './database.js';
import { lockPoolForWrite, nextBalance } from './locked-pool.js';
import { operationRow, readOperation, replayOperation } from './operations.js';
import { allocateTransferIds, grantJson, holdJson, readGrant, readHold, type HoldRecord, type LockedPool } from './rows.js';
import type { GrantConsumption, GrantView, PoolBalance, ReverseAccepted, ReverseResult, TransferKind } from './types.js';
import { transferRow, WritePlan, type HoldUpdate } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/**
 * Reversals: a refund of a capture (usage back to the pool and to the grants it consumed) and a
 * revocation of a grant (its unspent, unheld credits back to their source). Both are new
 * `reversal` transfers; nothing is changed in place.
 */

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
  const locked = await lockPoolForWrite(client, orgId, now, 0);
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
  const [transferId, ...expiryTransferIds] = await allocateTransferIds(context.client, 1 + hold.view.allocations.length);
  assert(transferId !== undefined, 'transfer ids were allocated');
  const restored = restoreToGrants(context, state, hold, plan, amount, transferId, expiryTransferIds);
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
  lowerSpent(plan, orgId, hold, amount);
  plan.holdUpdates.push(refundedHold(hold.view.holdId, amount));
  const { consumptions, expiredCredits, availableGain } = restored;
  const balance = nextBalance(context.balance, { postedCredits: amount - expiredCredits, availableCredits: availableGain });
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

/**
 * Gives `amount` back to the grants the hold's capture consumed, last allocation first (negative
 * consumptions under the refund's transfer). What returns to a grant that has expired since goes
 * on to the expiry sink at once, with a transfer of its own.
 */
function restoreToGrants(
  context: ReversalContext,
  state: ReversalState,
  hold: HoldRecord,
  plan: WritePlan,
  amount: bigint,
  transferId: bigint,
  expiryTransferIds: bigint[],
): { consumptions: GrantConsumption[]; expiredCredits: bigint; availableGain: bigint } {
  const { orgId, now, pool } = context;
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
  return { consumptions, expiredCredits, availableGain };
}

/** The refund lowers what the budgets spent in the period the hold was placed in. */
function lowerSpent(plan: WritePlan, orgId: string, hold: HoldRecord, amount: bigint): void {
  for (const [scope, subjectId, periodStart] of [
    ['member', hold.view.memberId, hold.memberPeriodStart],
    ['project', hold.view.projectId, hold.projectPeriodStart],
  ] as const) {
    if (subjectId !== null) {
      plan.addUsage({ orgId, scope, subjectId, periodStart, spentCredits: -amount, pendingCredits: 0n });
    }
  }
}

function refundedHold(holdId: string, amount: bigint): HoldUpdate {
  return {
    holdId,
    status: null,
    expiresAt: null,
    capturedCredits: null,
    refundedCredits: amount,
    resolvedAt: null,
    resolutionFingerprint: null,
    resolutionOperationId: null,
    resolutionResult: null,
  };
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
  const balance = nextBalance(context.balance, { postedCredits: -amount, availableCredits: grant.live ? -amount : 0n });
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

