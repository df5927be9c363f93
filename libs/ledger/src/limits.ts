/**
 * Every limit the ledger enforces, by name. Inputs beyond a limit are programmer errors (asserted)
 * unless the limit is a policy a user can hit, which returns a typed result instead.
 */
export const ledgerLimits = {
  /** Largest amount one operation (grant, hold, capture, adjustment) may move. */
  maxAmountCredits: 1_000_000_000_000n,
  /** Largest posted balance a pool may reach; a grant beyond it returns `balance_limit_exceeded`. */
  maxPoolBalanceCredits: 1_000_000_000_000_000n,
  /** Ids (orgs, members, projects, holds, operations) are UUID strings; references are free text up to this. */
  maxReferenceLength: 200,
  /** Reasons written on transfers. */
  maxReasonLength: 1_000,
  /** Grant priorities: lower is consumed first. */
  minGrantPriority: -1_000_000,
  maxGrantPriority: 1_000_000,
  /** Longest a hold may be placed or extended for, from now. */
  maxHoldDurationMs: 7 * 24 * 60 * 60 * 1000,
  /** Hard ceiling on the configurable hold batch size. */
  maxHoldBatchSize: 2_048,
  /** Hard ceiling on how long a hold may wait for its batch to fill. */
  maxHoldBatchWaitMs: 100,
  /** Hard ceiling on hold batches one Ledger instance runs at once (each holds a connection). */
  maxHoldBatchConcurrency: 8,
  /** Holds one Ledger instance queues before it refuses more (backpressure). */
  maxQueuedHolds: 65_536,
  /** Holds or grants one sweep call may process. */
  maxSweepLimit: 10_000,
  /** Rows one history page may return. */
  maxHistoryPageSize: 500,
  /** Grants listed in a pool balance. */
  maxGrantsListed: 1_000,
  /** Attempts of one transaction on a serialization failure, deadlock or id race. */
  maxTransactionAttempts: 5,
  /** A transaction waits at most this long for a row lock. */
  lockTimeoutMs: 10_000,
  /** A statement runs at most this long. */
  statementTimeoutMs: 30_000,
} as const;

export type LedgerLimits = typeof ledgerLimits;
