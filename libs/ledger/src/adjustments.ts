import type pg from 'pg';
import { assert } from './assert.js';
import { allocate } from './allocation.js';
import { lockPoolForWrite, nextBalance } from './locked-pool.js';
import { operationRow, readOperation, replayOperation } from './operations.js';
import { liveGrantsInSpendingOrder } from './rows.js';
import type { AdjustAccepted, AdjustResult } from './types.js';
import { transferRow, WritePlan } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

/**
 * Adjustments that take credits out of a pool (a positive adjustment is a grant from the
 * adjustment account: see grants.ts).
 */

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
  const locked = await lockPoolForWrite(client, request.orgId, now, 1);
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
  const balance = nextBalance(locked.balance, { postedCredits: -request.amountCredits, availableCredits: -request.amountCredits });
  plan.setPoolVersion(request.orgId, balance.balanceVersion);
  const result: AdjustAccepted = { ok: true, transferId, grant: null, consumptions: allocations, balance, replayed: false };
  plan.operations.push(operationRow(request.operationId, 'adjustment', request.orgId, request.fingerprint, result, now));
  await applyWritePlan(client, plan);
  return result;
}

