/** Budget periods, computed in the pool's time zone. Weeks start on Monday (ISO 8601). */
export type PeriodKind = 'none' | 'day' | 'week' | 'month';
export const periodKinds: readonly PeriodKind[] = ['none', 'day', 'week', 'month'];

/** Where credits come from when they are granted. */
export type GrantSource = 'purchase' | 'subscription' | 'promotion' | 'adjustment';
export const grantSources: readonly GrantSource[] = ['purchase', 'subscription', 'promotion', 'adjustment'];

/** Each org has one account of each kind: its pool, one per source, and two sinks. */
export type AccountKind = 'pool' | GrantSource | 'usage' | 'expiry';
export const accountKinds: readonly AccountKind[] = ['pool', ...grantSources, 'usage', 'expiry'];

/** What created a transfer. */
export type TransferKind =
  | 'grant'
  | 'hold'
  | 'capture'
  | 'void'
  | 'hold_expiry'
  | 'grant_expiry'
  | 'adjustment'
  | 'reversal';
export const transferKinds: readonly TransferKind[] = [
  'grant',
  'hold',
  'capture',
  'void',
  'hold_expiry',
  'grant_expiry',
  'adjustment',
  'reversal',
];

/**
 * `posted` moves credits; `pending` reserves them (a hold); `post_pending` posts part of a hold and
 * releases the whole reservation (a capture); `void_pending` releases a reservation (void, expiry).
 */
export type TransferPhase = 'posted' | 'pending' | 'post_pending' | 'void_pending';

export type HoldStatus = 'pending' | 'captured' | 'voided' | 'expired';
export type BudgetScope = 'member' | 'project';

/** A pool's balance at one version. `available = posted - pending - credits of grants past expiry not yet expired`. */
export interface PoolBalance {
  orgId: string;
  postedCredits: bigint;
  pendingCredits: bigint;
  availableCredits: bigint;
  /** Increases by one with every change to the pool's state; order balance events by it. */
  balanceVersion: bigint;
}

export interface TransferReference {
  jobId: string | null;
  purchaseId: string | null;
}

/** A reference as a caller gives it: free text (a job id, a Stripe id), each at most `maxReferenceLength`. */
export interface ReferenceInput {
  jobId?: string | null;
  purchaseId?: string | null;
}

export interface GrantAllocation {
  grantId: bigint;
  amountCredits: bigint;
}

/** Credits of one grant consumed (positive) or restored (negative) by a transfer. */
export interface GrantConsumption {
  grantId: bigint;
  amountCredits: bigint;
}

export interface GrantView {
  grantId: bigint;
  orgId: string;
  source: GrantSource;
  amountCredits: bigint;
  /** Posted in the pool: neither consumed nor expired. Includes `heldCredits`. */
  remainingCredits: bigint;
  /** Reserved by pending holds. */
  heldCredits: bigint;
  /** `remaining - held` while the grant is live, 0 once past its expiry. */
  availableCredits: bigint;
  priority: number;
  expiresAt: Date | null;
  /** When the unspent, unheld remainder moved to the expiry sink. */
  expiredAt: Date | null;
  createdAt: Date;
  transferId: bigint;
}

export interface HoldView {
  holdId: string;
  orgId: string;
  memberId: string;
  projectId: string | null;
  amountCredits: bigint;
  status: HoldStatus;
  placedAt: Date;
  expiresAt: Date;
  capturedCredits: bigint | null;
  refundedCredits: bigint;
  resolvedAt: Date | null;
  /** The pending transfer. */
  transferId: bigint;
  /** Which grants reserve the held credits, in consumption order. */
  allocations: GrantAllocation[];
  reference: TransferReference;
  actorId: string;
}

export interface TransferView {
  transferId: bigint;
  orgId: string;
  kind: TransferKind;
  phase: TransferPhase;
  debitAccount: AccountKind;
  creditAccount: AccountKind;
  amountCredits: bigint;
  holdId: string | null;
  grantId: bigint | null;
  memberId: string | null;
  projectId: string | null;
  actorId: string | null;
  reason: string | null;
  reference: TransferReference;
  operationId: string | null;
  /** For reversals and adjustments: the transfer this one corrects. */
  correctsTransferId: bigint | null;
  createdAt: Date;
}

export interface BudgetView {
  orgId: string;
  scope: BudgetScope;
  /** The member's or the project's id. */
  subjectId: string;
  /** `null`: unlimited. */
  limitCredits: bigint | null;
  period: PeriodKind;
  /** Captured in the current period (by holds placed in it), net of refunds. */
  spentCredits: bigint;
  /** Held by pending holds placed in the current period. */
  pendingCredits: bigint;
  /** `max(0, limit - spent - pending)`, `null` when unlimited. Never negative, even after a limit is lowered. */
  remainingCredits: bigint | null;
  /** `null` for period `none`. */
  periodStart: Date | null;
  periodEnd: Date | null;
}

export interface PoolView {
  orgId: string;
  timeZone: string;
  createdAt: Date;
  balance: PoolBalance;
}

/* ---------- results ---------- */

/**
 * An expected refusal. `balanceVersion` is the version of the pool state the decision was taken
 * on (`null` when no pool was involved); `replayed` is true when the result is the stored first
 * result of an earlier request with the same id.
 */
export interface Rejected<Code extends string, Figures> {
  ok: false;
  code: Code;
  figures: Figures;
  balanceVersion: bigint | null;
  replayed: boolean;
}

export interface IdConflictFigures {
  /** The id that was reused with different parameters. */
  id: string;
}
export type IdConflict = Rejected<'id_conflict', IdConflictFigures>;
export type PoolNotFound = Rejected<'pool_not_found', { orgId: string }>;
export type InvalidExpiry = Rejected<'invalid_expiry', { expiresAt: Date; now: Date; latestExpiresAt: Date | null }>;

export interface InsufficientCreditsFigures {
  availableCredits: bigint;
  requestedCredits: bigint;
}

export interface BudgetExceededFigures {
  scope: BudgetScope;
  subjectId: string;
  limitCredits: bigint;
  spentCredits: bigint;
  pendingCredits: bigint;
  remainingCredits: bigint;
  requestedCredits: bigint;
  period: PeriodKind;
  periodStart: Date | null;
  periodEnd: Date | null;
}

export interface DeficitOutstandingFigures {
  /** What the pool owes: credits a refund or dispute took back after they were spent. */
  deficitCredits: bigint;
}

export type HoldRejection =
  | Rejected<'deficit_outstanding', DeficitOutstandingFigures>
  | Rejected<'insufficient_credits', InsufficientCreditsFigures>
  | Rejected<'budget_exceeded', BudgetExceededFigures>
  | Rejected<'project_budget_exceeded', BudgetExceededFigures>
  | IdConflict
  | PoolNotFound
  | InvalidExpiry;

export interface HoldAccepted {
  ok: true;
  hold: HoldView;
  balance: PoolBalance;
  replayed: boolean;
}
export type HoldResult = HoldAccepted | HoldRejection;
export type HoldCode = HoldRejection['code'];

export interface HoldRequest {
  /** Client-chosen, the idempotency id of the hold. */
  holdId: string;
  orgId: string;
  memberId: string;
  projectId?: string | null;
  amountCredits: bigint;
  /** Either an absolute expiry or a time to live; neither: the ledger's `holdExpiryMs`. */
  expiresAt?: Date;
  ttlMs?: number;
  reference?: ReferenceInput;
  actorId: string;
  reason?: string;
}

/** How a resolved hold answers a second, different resolution. */
export type HoldResolvedRejection =
  | Rejected<'hold_already_captured', { holdId: string; capturedCredits: bigint }>
  | Rejected<'hold_already_voided', { holdId: string }>
  | Rejected<'hold_expired', { holdId: string; expiresAt: Date }>;

export type HoldLookupRejection = Rejected<'hold_not_found', { holdId: string }> | HoldResolvedRejection | IdConflict;

export interface CaptureRequest {
  holdId: string;
  /** At most the held amount; the rest is released. */
  amountCredits: bigint;
  /** Optional; the hold id already makes a capture idempotent. */
  operationId?: string;
  actorId?: string;
  reason?: string;
}
export interface CaptureAccepted {
  ok: true;
  hold: HoldView;
  transferId: bigint;
  consumptions: GrantConsumption[];
  /** Credits released back to grants already expired, moved straight to the expiry sink. */
  expiredCredits: bigint;
  balance: PoolBalance;
  replayed: boolean;
}
export type CaptureResult =
  | CaptureAccepted
  | HoldLookupRejection
  | Rejected<'amount_exceeds_hold', { holdId: string; heldCredits: bigint; requestedCredits: bigint }>;

export interface VoidRequest {
  holdId: string;
  reason: string;
  operationId?: string;
  actorId?: string;
}
export interface VoidAccepted {
  ok: true;
  hold: HoldView;
  transferId: bigint;
  expiredCredits: bigint;
  balance: PoolBalance;
  replayed: boolean;
}
export type VoidResult = VoidAccepted | HoldLookupRejection;

export interface ExtendHoldRequest {
  holdId: string;
  expiresAt: Date;
  operationId?: string;
  actorId?: string;
}
export interface ExtendHoldAccepted {
  ok: true;
  hold: HoldView;
  balance: PoolBalance;
  replayed: boolean;
}
export type ExtendHoldResult = ExtendHoldAccepted | HoldLookupRejection | InvalidExpiry;

export interface CreatePoolRequest {
  orgId: string;
  /** An IANA time zone known to Postgres, e.g. `Europe/Paris`. */
  timeZone: string;
}
export type CreatePoolResult =
  | { ok: true; pool: PoolView; created: boolean }
  | Rejected<'invalid_time_zone', { timeZone: string }>
  | Rejected<'id_conflict', IdConflictFigures & { existingTimeZone: string }>;

export interface SetPoolTimeZoneRequest {
  operationId: string;
  orgId: string;
  timeZone: string;
  actorId: string;
}
export type SetPoolTimeZoneResult =
  | { ok: true; pool: PoolView; replayed: boolean }
  | PoolNotFound
  | IdConflict
  | Rejected<'invalid_time_zone', { timeZone: string }>;

export interface GrantRequest {
  operationId: string;
  orgId: string;
  source: GrantSource;
  amountCredits: bigint;
  expiresAt?: Date | null;
  /** Lower is consumed first; default 0. */
  priority?: number;
  reference?: ReferenceInput;
  actorId: string;
  reason: string;
}
export interface GrantAccepted {
  ok: true;
  grant: GrantView;
  transferId: bigint;
  /** Credits of the pool's deficit this grant paid off at once (0 without a deficit). */
  settledDeficitCredits: bigint;
  balance: PoolBalance;
  replayed: boolean;
}
export type BalanceLimitExceeded = Rejected<
  'balance_limit_exceeded',
  { postedCredits: bigint; requestedCredits: bigint; maxPoolBalanceCredits: bigint }
>;
export type GrantResult = GrantAccepted | PoolNotFound | IdConflict | InvalidExpiry | BalanceLimitExceeded;

export interface AdjustRequest {
  operationId: string;
  orgId: string;
  /** Positive: credits the pool from the adjustment account (as a grant); negative: debits it. */
  amountCredits: bigint;
  /** For a positive adjustment: the new grant's expiry and priority. */
  expiresAt?: Date | null;
  priority?: number;
  correctsTransferId?: bigint | null;
  reference?: ReferenceInput;
  actorId: string;
  reason: string;
}
export interface AdjustAccepted {
  ok: true;
  transferId: bigint;
  /** The grant a positive adjustment created. */
  grant: GrantView | null;
  /** The grants a negative adjustment consumed. */
  consumptions: GrantConsumption[];
  balance: PoolBalance;
  replayed: boolean;
}
export type AdjustResult =
  | AdjustAccepted
  | PoolNotFound
  | IdConflict
  | InvalidExpiry
  | BalanceLimitExceeded
  | Rejected<'insufficient_credits', InsufficientCreditsFigures>;

export interface ReverseRequest {
  operationId: string;
  /** A capture (refunds usage to the grants it consumed) or a grant (revokes its unspent, unheld credits). */
  transferId: bigint;
  /** Default: all that can still be reversed. */
  amountCredits?: bigint;
  actorId: string;
  reason: string;
}
export interface ReverseAccepted {
  ok: true;
  transferId: bigint;
  reversedTransferId: bigint;
  amountCredits: bigint;
  /** Negative for a refund (credits restored to grants), positive for a revocation. */
  consumptions: GrantConsumption[];
  /** Refunded credits of grants already expired, moved straight to the expiry sink. */
  expiredCredits: bigint;
  balance: PoolBalance;
  replayed: boolean;
}
export type ReverseResult =
  | ReverseAccepted
  | IdConflict
  | Rejected<'transfer_not_found', { transferId: bigint }>
  | Rejected<'not_reversible', { transferId: bigint; kind: TransferKind }>
  | Rejected<'amount_exceeds_reversible', { transferId: bigint; reversibleCredits: bigint; requestedCredits: bigint }>;

export interface SetBudgetRequest {
  operationId: string;
  orgId: string;
  /** `null`: unlimited. Lowering below what is spent blocks new holds; nothing goes negative. */
  limitCredits: bigint | null;
  period: PeriodKind;
  actorId: string;
  reason?: string;
}
export interface SetMemberBudgetRequest extends SetBudgetRequest {
  memberId: string;
}
export interface SetProjectBudgetRequest extends SetBudgetRequest {
  projectId: string;
}
export type SetBudgetResult =
  | { ok: true; budget: BudgetView; balance: PoolBalance; replayed: boolean }
  | PoolNotFound
  | IdConflict;

export interface SweepResult {
  /** Holds expired by this call. */
  expiredHolds: { holdId: string; orgId: string; amountCredits: bigint }[];
  /** The new balance of every pool the call changed. */
  balances: PoolBalance[];
}

export interface ExpireGrantsResult {
  expiredGrants: { grantId: bigint; orgId: string; expiredCredits: bigint; transferId: bigint | null }[];
  balances: PoolBalance[];
}

export type PoolBalanceResult = { ok: true; balance: PoolBalance; grants: GrantView[] } | PoolNotFound;
export type BudgetResult = { ok: true; budget: BudgetView; balanceVersion: bigint } | PoolNotFound;

export interface HistoryQuery {
  orgId: string;
  memberId?: string;
  projectId?: string;
  kinds?: readonly TransferKind[];
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** From a previous page's `nextCursor`. */
  cursor?: string | null;
  /**
   * Only transfers whose id is in [low, high] — from `transferIdRange` for the same from/to: an
   * exact bound (every transfer in the time range has an id in it) that spares the walk through
   * newer and older history.
   */
  transferIds?: TransferIdRange;
  /** At most `maxHistoryPageSize`. */
  limit: number;
}
export interface TransferIdRange {
  low: bigint;
  high: bigint;
}

export interface HistoryPage {
  /** Newest first. */
  transfers: TransferView[];
  /** `null` on the last page. */
  nextCursor: string | null;
}

/* ---------- claw-backs and deficits ---------- */

export interface ClawBackRequest {
  operationId: string;
  orgId: string;
  /** The grant the refunded or disputed payment bought. */
  grantId: bigint;
  /**
   * Credits of the grant this refund or dispute covers (all of them for a full refund), at most
   * what earlier claw-backs of the grant have not covered yet.
   */
  amountCredits: bigint;
  reference?: ReferenceInput;
  actorId: string;
  reason: string;
}

export interface ClawBackAccepted {
  ok: true;
  grantId: bigint;
  /** Credits this call covered (the request's, capped at what was left to cover). */
  coveredCredits: bigint;
  /** Unspent, unheld credits of the grant taken back to its source (a `reversal` transfer). */
  reclaimedCredits: bigint;
  /** The part already spent: added to the pool's deficit. */
  deficitAddedCredits: bigint;
  /**
   * The part pending holds still hold: not spent yet, so not owed yet. When those holds resolve,
   * what they capture is added to the deficit and what they release is taken back.
   */
  waitingCredits: bigint;
  /** Available credits of other grants that paid the deficit off at once. */
  settledCredits: bigint;
  /** The pool's deficit afterwards. */
  deficitCredits: bigint;
  balance: PoolBalance;
  replayed: boolean;
}

export type ClawBackResult =
  | ClawBackAccepted
  | PoolNotFound
  | IdConflict
  | Rejected<'grant_not_found', { grantId: bigint }>;

export interface SettleDeficitRequest {
  operationId: string;
  orgId: string;
  actorId: string;
  reason: string;
}

export interface SettleDeficitAccepted {
  ok: true;
  /** Paid off from available credits now (0 when there was no deficit or no credits). */
  settledCredits: bigint;
  deficitCredits: bigint;
  balance: PoolBalance;
  replayed: boolean;
}
export type SettleDeficitResult = SettleDeficitAccepted | PoolNotFound | IdConflict;

export interface DeficitEntry {
  kind: 'clawback' | 'settlement';
  /** Positive for a claw-back's deficit, negative for a settlement. */
  amountCredits: bigint;
  grantId: bigint | null;
  transferId: bigint | null;
  purchaseId: string | null;
  reason: string;
  createdAt: Date;
}

export interface DeficitView {
  orgId: string;
  deficitCredits: bigint;
  /** When the current deficit began; null without one. */
  since: Date | null;
  /** The latest entries, newest first. */
  entries: DeficitEntry[];
}

export type DeficitResult = { ok: true; deficit: DeficitView } | PoolNotFound;
