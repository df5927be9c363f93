import { assert } from './assert.js';
import type { BudgetScope, HoldStatus, PoolBalance, TransferKind, TransferPhase } from './types.js';

/**
 * Every mutation works the same way: lock the pool rows, read the state, decide in TypeScript,
 * then write everything the decision implies in ONE statement (write-statement.ts). A plan
 * is applied inside the transaction holding the pool locks, so its deltas are computed from state
 * no one else can change.
 */
export interface TransferRow {
  transferId: bigint;
  orgId: string;
  kind: TransferKind;
  phase: TransferPhase;
  debitAccountId: bigint;
  creditAccountId: bigint;
  amountCredits: bigint;
  pendingTransferId: bigint | null;
  holdId: string | null;
  grantId: bigint | null;
  memberId: string | null;
  projectId: string | null;
  actorId: string | null;
  reason: string | null;
  jobId: string | null;
  purchaseId: string | null;
  operationId: string | null;
  correctsTransferId: bigint | null;
  createdAt: Date;
}

type TransferEssentials = Pick<
  TransferRow,
  'transferId' | 'orgId' | 'kind' | 'phase' | 'debitAccountId' | 'creditAccountId' | 'amountCredits' | 'createdAt'
>;

/** A transfer row: the essentials, the rest empty unless given. */
export function transferRow(row: Partial<TransferRow> & TransferEssentials): TransferRow {
  return {
    pendingTransferId: null,
    holdId: null,
    grantId: null,
    memberId: null,
    projectId: null,
    actorId: null,
    reason: null,
    jobId: null,
    purchaseId: null,
    operationId: null,
    correctsTransferId: null,
    ...row,
  };
}

export interface AccountDelta {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

export interface GrantDelta {
  remainingCredits: bigint;
  heldCredits: bigint;
  /** Set when the grant's remainder is expired by this plan. */
  expiredAt: Date | null;
}

export interface NewGrantRow {
  grantId: bigint;
  orgId: string;
  source: string;
  amountCredits: bigint;
  priority: number;
  expiresAt: Date | null;
  transferId: bigint;
  createdAt: Date;
}

export interface UsageDelta {
  orgId: string;
  scope: BudgetScope;
  subjectId: string;
  /** `null` is the endless period `none` (stored as -infinity). */
  periodStart: Date | null;
  spentCredits: bigint;
  pendingCredits: bigint;
}

export interface NewHoldRow {
  holdId: string;
  orgId: string;
  memberId: string;
  projectId: string | null;
  amountCredits: bigint;
  status: 'pending' | 'rejected';
  placedAt: Date;
  expiresAt: Date | null;
  memberPeriodStart: Date | null;
  projectPeriodStart: Date | null;
  allocationGrantIds: bigint[];
  allocationCredits: bigint[];
  transferId: bigint | null;
  jobId: string | null;
  actorId: string;
  reason: string | null;
  requestFingerprint: string;
  /** The balance an accepted hold reported. */
  balance: PoolBalance | null;
  /** The result of a refused hold. */
  refusal: unknown;
}

export interface HoldUpdate {
  holdId: string;
  status: HoldStatus | null;
  expiresAt: Date | null;
  capturedCredits: bigint | null;
  refundedCredits: bigint;
  resolvedAt: Date | null;
  resolutionFingerprint: string | null;
  resolutionOperationId: string | null;
  resolutionResult: unknown;
}

export interface ConsumptionRow {
  transferId: bigint;
  grantId: bigint;
  amountCredits: bigint;
}

export interface OperationRow {
  operationId: string;
  kind: string;
  orgId: string | null;
  requestFingerprint: string;
  result: unknown;
  createdAt: Date;
}

export class WritePlan {
  readonly transfers: TransferRow[] = [];
  readonly accountDeltas = new Map<bigint, AccountDelta>();
  readonly poolVersions = new Map<string, bigint>();
  readonly grantDeltas = new Map<bigint, GrantDelta>();
  readonly newGrants: NewGrantRow[] = [];
  readonly usageDeltas = new Map<string, UsageDelta>();
  readonly newHolds: NewHoldRow[] = [];
  readonly holdUpdates: HoldUpdate[] = [];
  readonly consumptions = new Map<string, ConsumptionRow>();
  readonly operations: OperationRow[] = [];

  /** Records a transfer and its effect on both accounts. */
  addTransfer(row: TransferRow, pendingReleasedCredits = 0n): void {
    this.transfers.push(row);
    switch (row.phase) {
      case 'posted':
        this.addAccountDelta(row.debitAccountId, { debitsPosted: row.amountCredits });
        this.addAccountDelta(row.creditAccountId, { creditsPosted: row.amountCredits });
        break;
      case 'pending':
        this.addAccountDelta(row.debitAccountId, { debitsPending: row.amountCredits });
        this.addAccountDelta(row.creditAccountId, { creditsPending: row.amountCredits });
        break;
      case 'post_pending':
        this.addAccountDelta(row.debitAccountId, { debitsPosted: row.amountCredits, debitsPending: -pendingReleasedCredits });
        this.addAccountDelta(row.creditAccountId, { creditsPosted: row.amountCredits, creditsPending: -pendingReleasedCredits });
        break;
      case 'void_pending':
        assert(row.amountCredits === pendingReleasedCredits, 'a void releases exactly what it records');
        this.addAccountDelta(row.debitAccountId, { debitsPending: -pendingReleasedCredits });
        this.addAccountDelta(row.creditAccountId, { creditsPending: -pendingReleasedCredits });
        break;
    }
  }

  private addAccountDelta(accountId: bigint, delta: Partial<AccountDelta>): void {
    const current = this.accountDeltas.get(accountId) ?? {
      debitsPosted: 0n,
      creditsPosted: 0n,
      debitsPending: 0n,
      creditsPending: 0n,
    };
    current.debitsPosted += delta.debitsPosted ?? 0n;
    current.creditsPosted += delta.creditsPosted ?? 0n;
    current.debitsPending += delta.debitsPending ?? 0n;
    current.creditsPending += delta.creditsPending ?? 0n;
    this.accountDeltas.set(accountId, current);
  }

  setPoolVersion(orgId: string, version: bigint): void {
    this.poolVersions.set(orgId, version);
  }

  addGrantDelta(grantId: bigint, remainingCredits: bigint, heldCredits: bigint, expiredAt: Date | null = null): void {
    const current = this.grantDeltas.get(grantId) ?? { remainingCredits: 0n, heldCredits: 0n, expiredAt: null };
    current.remainingCredits += remainingCredits;
    current.heldCredits += heldCredits;
    current.expiredAt = expiredAt ?? current.expiredAt;
    this.grantDeltas.set(grantId, current);
  }

  addUsage(delta: UsageDelta): void {
    const key = `${delta.orgId}|${delta.scope}|${delta.subjectId}|${delta.periodStart?.toISOString() ?? '-infinity'}`;
    const current = this.usageDeltas.get(key);
    if (current === undefined) {
      this.usageDeltas.set(key, { ...delta });
      return;
    }
    current.spentCredits += delta.spentCredits;
    current.pendingCredits += delta.pendingCredits;
  }

  addConsumption(row: ConsumptionRow): void {
    const key = `${row.transferId.toString()}|${row.grantId.toString()}`;
    const current = this.consumptions.get(key);
    if (current === undefined) {
      this.consumptions.set(key, { ...row });
      return;
    }
    current.amountCredits += row.amountCredits;
  }

  isEmpty(): boolean {
    return (
      this.transfers.length === 0 &&
      this.accountDeltas.size === 0 &&
      this.poolVersions.size === 0 &&
      this.grantDeltas.size === 0 &&
      this.newGrants.length === 0 &&
      this.usageDeltas.size === 0 &&
      this.newHolds.length === 0 &&
      this.holdUpdates.length === 0 &&
      this.consumptions.size === 0 &&
      this.operations.length === 0
    );
  }
}
