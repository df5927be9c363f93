import type pg from 'pg';
import {
  assert,
  assertCredits,
  assertDate,
  assertInteger,
  assertOptionalUuid,
  assertText,
  assertUuid,
  LedgerAssertionError,
} from './assert.js';
import { Batcher } from './batcher.js';
import { readBudget, setBudget, type NormalizedSetBudget } from './budgets.js';
import { createPool, setPoolTimeZone } from './pools.js';
import { fingerprint } from './codec.js';
import { inTransaction, type TransactionHooks } from './database.js';
import { createGrant, expiredGrantCandidates, expireGrantsOfPool, type NormalizedGrant } from './grants.js';
import { debitPool } from './adjustments.js';
import { orgOfTransfer, reverseTransfer } from './reversals.js';
import { placeHolds, type NormalizedHold } from './holds.js';
import { companionWrites, HoldCompanionError, splitPayloads, type CompanionWriter, type CompanionWrites, type HoldBatcher, type HoldWithBudget } from './hold-companions.js';
import { clawBack } from './claw-backs.js';
import { readDeficit, settleDeficit } from './deficits.js';
import { checkInvariants, type InvariantReport } from './invariants.js';
import { ledgerLimits } from './limits.js';
import { grantState, history, poolBalance, readHoldView, transferIdRange } from './queries.js';
import { expiredHoldCandidates, orgOfHold, resolveHolds, type ResolutionRequest } from './resolutions.js';
import type {
  AdjustRequest,
  AdjustResult,
  BudgetResult,
  BudgetScope,
  BudgetView,
  CaptureRequest,
  CaptureResult,
  ClawBackRequest,
  ClawBackResult,
  DeficitResult,
  CreatePoolRequest,
  CreatePoolResult,
  ExpireGrantsResult,
  ExtendHoldRequest,
  ExtendHoldResult,
  GrantRequest,
  GrantResult,
  GrantView,
  HistoryPage,
  HistoryQuery,
  TransferIdRange,
  HoldRequest,
  HoldResult,
  HoldView,
  PoolBalanceResult,
  ReferenceInput,
  ReverseRequest,
  ReverseResult,
  SetBudgetResult,
  SetMemberBudgetRequest,
  SetPoolTimeZoneRequest,
  SetPoolTimeZoneResult,
  SetProjectBudgetRequest,
  SettleDeficitRequest,
  SettleDeficitResult,
  SweepResult,
  VoidRequest,
  VoidResult,
} from './types.js';
import { grantSources, periodKinds, transferKinds } from './types.js';

export interface LedgerOptions {
  /** Batch concurrent holds into shared transactions (default true). Off: one transaction per hold. */
  batchHolds?: boolean;
  /** Most holds in one batch (default 512, at most `maxHoldBatchSize`). */
  holdBatchMaxSize?: number;
  /** How long an idle batcher waits for more holds before starting (default 0: one event-loop turn). */
  holdBatchMaxWaitMs?: number;
  /** Default time to live of a hold placed without `expiresAt` or `ttlMs` (default 15 minutes). */
  holdExpiryMs?: number;
  /** Most holds waiting for a batch before `hold` throws `LedgerOverloadedError`. */
  maxQueuedHolds?: number;
  /**
   * Hold batches in flight at once (default 2), never two with the same pool: the holds of a pool
   * whose batch is running wait for it and go together in its next batch, while another slot
   * serves other pools. Batches lock pools in the same order, so they cannot deadlock.
   */
  holdBatchConcurrency?: number;
  /** The ledger's clock; tests move it. Every timestamp the ledger writes comes from it. */
  now?: () => Date;
  /** For tests: runs before each COMMIT. */
  hooks?: TransactionHooks;
}

const defaultHoldExpiryMs = 15 * 60 * 1000;

/**
 * The credit ledger. Every method either returns a typed result (expected outcomes, including
 * refusals) or throws: `LedgerAssertionError` for a request that breaks the contract,
 * `LedgerOverloadedError` under backpressure, `LedgerRetryLimitError` or a pg error when the
 * database fails. A method that throws may or may not have committed: retry with the same id.
 */
export class Ledger {
  private readonly now: () => Date;
  private readonly holdExpiryMs: number;
  private readonly hooks: TransactionHooks;
  private readonly holdBatcher: Batcher<NormalizedHold, HoldResult> | null;
  private readonly batcherOptions: { maxBatchSize: number; maxWaitMs: number; maxQueued: number; maxConcurrentBatches: number };
  private readonly companionBatchers: Batcher<{ hold: NormalizedHold; payload: unknown }, HoldWithBudget>[] = [];
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    options: LedgerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.holdExpiryMs = options.holdExpiryMs ?? defaultHoldExpiryMs;
    assertInteger(this.holdExpiryMs, 'holdExpiryMs', 1, ledgerLimits.maxHoldDurationMs);
    this.hooks = options.hooks ?? {};
    const maxBatchSize = options.holdBatchMaxSize ?? 512;
    const maxWaitMs = options.holdBatchMaxWaitMs ?? 0;
    const maxQueued = options.maxQueuedHolds ?? ledgerLimits.maxQueuedHolds;
    assertInteger(maxBatchSize, 'holdBatchMaxSize', 1, ledgerLimits.maxHoldBatchSize);
    assertInteger(maxWaitMs, 'holdBatchMaxWaitMs', 0, ledgerLimits.maxHoldBatchWaitMs);
    assertInteger(maxQueued, 'maxQueuedHolds', maxBatchSize, ledgerLimits.maxQueuedHolds);
    const maxConcurrentBatches = options.holdBatchConcurrency ?? 2;
    assertInteger(maxConcurrentBatches, 'holdBatchConcurrency', 1, ledgerLimits.maxHoldBatchConcurrency);
    this.batcherOptions = { maxBatchSize, maxWaitMs, maxQueued, maxConcurrentBatches };
    this.holdBatcher = options.batchHolds === false ? null : new Batcher((holds) => this.placeHoldBatch(holds), this.batcherOptions, isolatable, (hold) => hold.orgId);
  }

  /**
   * Runs `work` in its own transaction (retried on contention), or inside the caller's open
   * transaction when `client` is given (no retry: the caller owns the transaction).
   */
  private run<T>(label: string, client: pg.ClientBase | undefined, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    if (client === undefined) {
      return inTransaction(this.pool, label, work, this.hooks);
    }
    assertInTransaction(client, label);
    return work(client);
  }

  /** Lets the batches in flight and queued finish; `hold` refuses new requests afterwards. The pool stays open (it is the caller's). */
  async close(): Promise<void> {
    this.closed = true;
    await this.holdBatcher?.drain();
    await Promise.all(this.companionBatchers.map((batcher) => batcher.drain()));
  }

  /* ---------- pools ---------- */

  /**
   * Creates the org's pool (idempotent: the same org and time zone again returns the pool). With
   * `client`, inside the caller's transaction (e.g. with the org's own row).
   */
  async createPool(request: CreatePoolRequest, client?: pg.ClientBase): Promise<CreatePoolResult> {
    assertUuid(request.orgId, 'orgId');
    assertText(request.timeZone, 'timeZone', ledgerLimits.maxReferenceLength);
    const orgId = request.orgId.toLowerCase();
    return this.run('createPool', client, (connection) => createPool(connection, orgId, request.timeZone, this.now()));
  }

  async setPoolTimeZone(request: SetPoolTimeZoneRequest, client?: pg.ClientBase): Promise<SetPoolTimeZoneResult> {
    assertUuid(request.operationId, 'operationId');
    assertUuid(request.orgId, 'orgId');
    assertUuid(request.actorId, 'actorId');
    assertText(request.timeZone, 'timeZone', ledgerLimits.maxReferenceLength);
    const normalized = {
      operationId: request.operationId.toLowerCase(),
      orgId: request.orgId.toLowerCase(),
      timeZone: request.timeZone,
      actorId: request.actorId.toLowerCase(),
      fingerprint: '',
    };
    normalized.fingerprint = fingerprint('set_time_zone', [normalized.orgId, normalized.timeZone, normalized.actorId]);
    return this.run('setPoolTimeZone', client, (connection) => setPoolTimeZone(connection, normalized, this.now()));
  }

  /* ---------- credits in ---------- */

  /** Credits the pool from a source as a new grant. With `client`, inside the caller's transaction. */
  async grant(request: GrantRequest, client?: pg.ClientBase): Promise<GrantResult> {
    assert((grantSources as readonly string[]).includes(request.source), `source must be one of ${grantSources.join(', ')}`);
    assertCredits(request.amountCredits, 'amountCredits', 1n, ledgerLimits.maxAmountCredits);
    const normalized = this.normalizeGrant(request, 'grant', request.source, request.amountCredits, null);
    return this.run('grant', client, (connection) => createGrant(connection, normalized, this.now()));
  }

  /**
   * A correction by a new transfer against the org's adjustment account: a positive amount becomes
   * a grant; a negative one debits available credits, consumed from grants in spending order.
   */
  async adjust(request: AdjustRequest, client?: pg.ClientBase): Promise<AdjustResult> {
    assertCredits(request.amountCredits, 'amountCredits', -ledgerLimits.maxAmountCredits, ledgerLimits.maxAmountCredits);
    assert(request.amountCredits !== 0n, 'amountCredits of an adjustment is not zero');
    const correctsTransferId = request.correctsTransferId ?? null;
    assert(correctsTransferId === null || typeof correctsTransferId === 'bigint', 'correctsTransferId is a bigint');
    if (request.amountCredits > 0n) {
      const normalized = this.normalizeGrant(request, 'adjustment', 'adjustment', request.amountCredits, correctsTransferId);
      return this.run('adjust', client, (connection) => createGrant(connection, normalized, this.now()));
    }
    assert(request.expiresAt === undefined || request.expiresAt === null, 'a negative adjustment has no expiry');
    assertUuid(request.operationId, 'operationId');
    assertUuid(request.orgId, 'orgId');
    assertUuid(request.actorId, 'actorId');
    assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    const reference = normalizeReference(request.reference);
    const debit = {
      operationId: request.operationId.toLowerCase(),
      orgId: request.orgId.toLowerCase(),
      amountCredits: -request.amountCredits,
      correctsTransferId,
      purchaseId: reference.purchaseId,
      jobId: reference.jobId,
      actorId: request.actorId.toLowerCase(),
      reason: request.reason,
      fingerprint: '',
    };
    debit.fingerprint = fingerprint('adjustment', [
      debit.orgId,
      request.amountCredits,
      null,
      request.priority ?? 0,
      correctsTransferId,
      debit.purchaseId,
      debit.jobId,
      debit.actorId,
      debit.reason,
    ]);
    return this.run('adjust', client, (connection) => debitPool(connection, debit, this.now()));
  }

  private normalizeGrant(
    request: GrantRequest | AdjustRequest,
    transferKind: 'grant' | 'adjustment',
    source: GrantRequest['source'],
    amountCredits: bigint,
    correctsTransferId: bigint | null,
  ): NormalizedGrant {
    assertUuid(request.operationId, 'operationId');
    assertUuid(request.orgId, 'orgId');
    assertUuid(request.actorId, 'actorId');
    assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    const expiresAt = request.expiresAt ?? null;
    if (expiresAt !== null) {
      assertDate(expiresAt, 'expiresAt');
    }
    const priority = request.priority ?? 0;
    assertInteger(priority, 'priority', ledgerLimits.minGrantPriority, ledgerLimits.maxGrantPriority);
    const reference = normalizeReference(request.reference);
    const normalized: NormalizedGrant = {
      operationId: request.operationId.toLowerCase(),
      orgId: request.orgId.toLowerCase(),
      transferKind,
      source,
      amountCredits,
      expiresAt,
      priority,
      purchaseId: reference.purchaseId,
      jobId: reference.jobId,
      correctsTransferId,
      actorId: request.actorId.toLowerCase(),
      reason: request.reason,
      fingerprint: '',
    };
    normalized.fingerprint = fingerprint(transferKind, [
      normalized.orgId,
      transferKind === 'grant' ? source : amountCredits,
      transferKind === 'grant' ? amountCredits : null,
      expiresAt,
      priority,
      correctsTransferId,
      normalized.purchaseId,
      normalized.jobId,
      normalized.actorId,
      normalized.reason,
    ]);
    return normalized;
  }

  /** Reverses a capture (a refund to the grants it consumed) or a grant (revokes what is left of it). */
  async reverse(request: ReverseRequest): Promise<ReverseResult> {
    assertUuid(request.operationId, 'operationId');
    assertUuid(request.actorId, 'actorId');
    assert(typeof request.transferId === 'bigint' && request.transferId > 0n, 'transferId is a positive bigint');
    if (request.amountCredits !== undefined) {
      assertCredits(request.amountCredits, 'amountCredits', 1n, ledgerLimits.maxAmountCredits);
    }
    assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    const normalized = {
      operationId: request.operationId.toLowerCase(),
      transferId: request.transferId,
      amountCredits: request.amountCredits ?? null,
      actorId: request.actorId.toLowerCase(),
      reason: request.reason,
      fingerprint: '',
    };
    normalized.fingerprint = fingerprint('reversal', [normalized.transferId, normalized.amountCredits, normalized.actorId, normalized.reason]);
    return inTransaction(
      this.pool,
      'reverse',
      async (client): Promise<ReverseResult> => {
        const orgId = await orgOfTransfer(client, normalized.transferId);
        if (orgId === null) {
          return { ok: false, code: 'transfer_not_found', figures: { transferId: normalized.transferId }, balanceVersion: null, replayed: false };
        }
        return reverseTransfer(client, orgId, normalized, this.now());
      },
      this.hooks,
    );
  }

  /* ---------- claw-backs and the deficit ---------- */

  /**
   * A refund or dispute of the payment that bought a grant: takes back the grant's unspent,
   * unheld credits (up to what it covers), and records the rest it covers, already spent, as the
   * pool's deficit; available credits of other grants pay that off at once, as far as they go.
   * While a deficit remains, holds are refused (`deficit_outstanding`); every later grant pays it
   * off first. Idempotent on `operationId`. With `client`, inside the caller's transaction (the
   * caller's record of the refund commits with it).
   */
  async clawBack(request: ClawBackRequest, client?: pg.ClientBase): Promise<ClawBackResult> {
    assertUuid(request.operationId, 'operationId');
    assertUuid(request.orgId, 'orgId');
    assertUuid(request.actorId, 'actorId');
    assert(typeof request.grantId === 'bigint' && request.grantId > 0n, 'grantId is a positive bigint');
    assertCredits(request.amountCredits, 'amountCredits', 1n, ledgerLimits.maxAmountCredits);
    assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    const reference = normalizeReference(request.reference);
    const normalized = {
      operationId: request.operationId.toLowerCase(),
      orgId: request.orgId.toLowerCase(),
      grantId: request.grantId,
      amountCredits: request.amountCredits,
      purchaseId: reference.purchaseId,
      actorId: request.actorId.toLowerCase(),
      reason: request.reason,
      fingerprint: '',
    };
    normalized.fingerprint = fingerprint('clawback', [
      normalized.orgId,
      normalized.grantId,
      normalized.amountCredits,
      normalized.purchaseId,
      normalized.actorId,
      normalized.reason,
    ]);
    return this.run('clawBack', client, (connection) => clawBack(connection, normalized, this.now()));
  }

  /** Pays the pool's deficit off from its available credits, as far as they go. */
  async settleDeficit(request: SettleDeficitRequest): Promise<SettleDeficitResult> {
    assertUuid(request.operationId, 'operationId');
    assertUuid(request.orgId, 'orgId');
    assertUuid(request.actorId, 'actorId');
    assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    const normalized = {
      operationId: request.operationId.toLowerCase(),
      orgId: request.orgId.toLowerCase(),
      actorId: request.actorId.toLowerCase(),
      reason: request.reason,
      fingerprint: '',
    };
    normalized.fingerprint = fingerprint('settle_deficit', [normalized.orgId, normalized.actorId, normalized.reason]);
    return inTransaction(this.pool, 'settleDeficit', (client) => settleDeficit(client, normalized, this.now()), this.hooks);
  }

  /** The pool's deficit, with its latest `limit` entries (claw-backs and settlements). */
  async deficit(orgId: string, limit = 20): Promise<DeficitResult> {
    assertUuid(orgId, 'orgId');
    assertInteger(limit, 'limit', 1, ledgerLimits.maxHistoryPageSize);
    return readDeficit(this.pool, orgId.toLowerCase(), limit);
  }

  /* ---------- budgets ---------- */

  /** Sets a member's budget. With `client`, inside the caller's transaction. */
  async setMemberBudget(request: SetMemberBudgetRequest, client?: pg.ClientBase): Promise<SetBudgetResult> {
    assertUuid(request.memberId, 'memberId');
    return this.setBudget(request, 'member', request.memberId, client);
  }

  /** Sets a project's budget. With `client`, inside the caller's transaction. */
  async setProjectBudget(request: SetProjectBudgetRequest, client?: pg.ClientBase): Promise<SetBudgetResult> {
    assertUuid(request.projectId, 'projectId');
    return this.setBudget(request, 'project', request.projectId, client);
  }

  private async setBudget(
    request: SetMemberBudgetRequest | SetProjectBudgetRequest,
    scope: BudgetScope,
    subjectId: string,
    client: pg.ClientBase | undefined,
  ): Promise<SetBudgetResult> {
    assertUuid(request.operationId, 'operationId');
    assertUuid(request.orgId, 'orgId');
    assertUuid(request.actorId, 'actorId');
    assert(periodKinds.includes(request.period), `period must be one of ${periodKinds.join(', ')}`);
    if (request.limitCredits !== null) {
      assertCredits(request.limitCredits, 'limitCredits', 0n, ledgerLimits.maxPoolBalanceCredits);
    }
    if (request.reason !== undefined) {
      assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    }
    const normalized: NormalizedSetBudget = {
      operationId: request.operationId.toLowerCase(),
      orgId: request.orgId.toLowerCase(),
      scope,
      subjectId: subjectId.toLowerCase(),
      limitCredits: request.limitCredits,
      period: request.period,
      actorId: request.actorId.toLowerCase(),
      fingerprint: '',
    };
    normalized.fingerprint = fingerprint(`set_${scope}_budget`, [
      normalized.orgId,
      normalized.subjectId,
      normalized.limitCredits,
      normalized.period,
      normalized.actorId,
      request.reason ?? null,
    ]);
    return this.run('setBudget', client, (connection) => setBudget(connection, normalized, this.now()));
  }

  /* ---------- holds ---------- */

  /**
   * Places a hold after checking, atomically, the pool's available credits, the member's budget
   * and the project's budget. Concurrent holds share a transaction (see README, "Batching").
   */
  async hold(request: HoldRequest): Promise<HoldResult> {
    assert(!this.closed, 'hold after close()');
    const normalized = this.normalizeHold(request);
    if (this.holdBatcher !== null) {
      return this.holdBatcher.submit(normalized);
    }
    const [result] = await this.placeHoldBatch([normalized]);
    assert(result !== undefined, 'one result per hold');
    return result;
  }

  /**
   * Places a hold inside the caller's open transaction (so a job can be enqueued in the same
   * commit). Same checks and results as `hold`; no batching. The pool row stays locked until the
   * caller commits: keep the transaction short.
   */
  async holdInTransaction(client: pg.ClientBase, request: HoldRequest): Promise<HoldResult> {
    assertInTransaction(client, 'holdInTransaction');
    const normalized = this.normalizeHold(request);
    const [result] = await placeHolds(client, [normalized], this.now(), this.holdExpiryMs);
    assert(result !== undefined, 'one result per hold');
    return result;
  }

  /**
   * Holds batched like `hold`, each with a payload that `write` inserts in the same transaction
   * when its hold is accepted (a job's row and its queue entry): concurrent requests share one
   * transaction and one pool lock, and each still gets its own result. A refused hold writes
   * nothing; a writer that fails (its error wrapped in `HoldCompanionError`) fails only the request
   * that caused it, once the batch is split down to it. With `batchHolds: false`, one per transaction.
   * Given `CompanionWrites`, the rows that do not depend on the decision are written before the
   * pools are locked (see there), so that concurrent batches overlap all but the decision.
   */
  holdsWith<Payload>(writer: CompanionWriter<Payload> | CompanionWrites<Payload>): HoldBatcher<Payload> {
    const writes = companionWrites(writer);
    const companion = (error: unknown): never => {
      throw error instanceof HoldCompanionError ? error : new HoldCompanionError(`the writes beside a batch of holds failed: ${String(error)}`, { cause: error });
    };
    const execute = (entries: { hold: NormalizedHold; payload: unknown }[]): Promise<HoldWithBudget[]> =>
      inTransaction(
        this.pool,
        'hold batch with writes',
        async (client) => {
          const payloads = entries.map((entry) => entry.payload as Payload);
          await writes.before(client, payloads).catch(companion);
          const budgets = new Map<string, BudgetView>();
          const results = await placeHolds(client, entries.map((entry) => entry.hold), this.now(), this.holdExpiryMs, budgets);
          const { accepted, notAccepted } = splitPayloads(payloads, results);
          await writes.after(client, accepted, notAccepted).catch(companion);
          return results.map((result, index) => ({ result, memberBudget: budgets.get(entries[index]?.hold.holdId ?? '') }));
        },
        this.hooks,
      );
    const options = this.holdBatcher === null ? { ...this.batcherOptions, maxBatchSize: 1 } : this.batcherOptions;
    const batcher = new Batcher(execute, options, (error) => error instanceof HoldCompanionError || isolatable(error), (entry) => entry.hold.orgId);
    this.companionBatchers.push(batcher);
    return {
      hold: (request, payload) => {
        assert(!this.closed, 'hold after close()');
        return batcher.submit({ hold: this.normalizeHold(request), payload });
      },
    };
  }

  private async placeHoldBatch(holds: NormalizedHold[]): Promise<HoldResult[]> {
    return inTransaction(this.pool, 'hold batch', (client) => placeHolds(client, holds, this.now(), this.holdExpiryMs), this.hooks);
  }

  private normalizeHold(request: HoldRequest): NormalizedHold {
    assertUuid(request.holdId, 'holdId');
    assertUuid(request.orgId, 'orgId');
    assertUuid(request.memberId, 'memberId');
    assertOptionalUuid(request.projectId, 'projectId');
    assertUuid(request.actorId, 'actorId');
    assertCredits(request.amountCredits, 'amountCredits', 1n, ledgerLimits.maxAmountCredits);
    assert(request.expiresAt === undefined || request.ttlMs === undefined, 'give expiresAt or ttlMs, not both');
    if (request.expiresAt !== undefined) {
      assertDate(request.expiresAt, 'expiresAt');
    }
    if (request.ttlMs !== undefined) {
      assertInteger(request.ttlMs, 'ttlMs', 1, ledgerLimits.maxHoldDurationMs);
    }
    if (request.reason !== undefined) {
      assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    }
    const reference = normalizeReference(request.reference);
    assert(reference.purchaseId === null, 'a hold references a job, not a purchase');
    const hold: NormalizedHold = {
      holdId: request.holdId.toLowerCase(),
      orgId: request.orgId.toLowerCase(),
      memberId: request.memberId.toLowerCase(),
      projectId: request.projectId?.toLowerCase() ?? null,
      amountCredits: request.amountCredits,
      expiresAt: request.expiresAt ?? null,
      ttlMs: request.ttlMs ?? null,
      jobId: reference.jobId,
      actorId: request.actorId.toLowerCase(),
      reason: request.reason ?? null,
      fingerprint: '',
    };
    hold.fingerprint = fingerprint('hold', [
      hold.orgId,
      hold.memberId,
      hold.projectId,
      hold.amountCredits,
      hold.expiresAt,
      hold.ttlMs,
      hold.jobId,
      hold.actorId,
      hold.reason,
    ]);
    return hold;
  }

  /** Captures at most the held amount; the rest is released. A hold resolves exactly once. */
  async capture(request: CaptureRequest): Promise<CaptureResult> {
    assertUuid(request.holdId, 'holdId');
    assertCredits(request.amountCredits, 'amountCredits', 0n, ledgerLimits.maxAmountCredits);
    assertOptionalUuid(request.operationId, 'operationId');
    assertOptionalUuid(request.actorId, 'actorId');
    if (request.reason !== undefined) {
      assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    }
    const holdId = request.holdId.toLowerCase();
    const operationId = request.operationId?.toLowerCase() ?? null;
    const actorId = request.actorId?.toLowerCase() ?? null;
    const reason = request.reason ?? null;
    return this.resolveOne({
      kind: 'capture',
      holdId,
      amountCredits: request.amountCredits,
      operationId,
      actorId,
      reason,
      fingerprint: fingerprint('capture', [holdId, request.amountCredits, operationId, actorId, reason]),
    }) as Promise<CaptureResult>;
  }

  /** Releases the whole hold. */
  async void(request: VoidRequest): Promise<VoidResult> {
    assertUuid(request.holdId, 'holdId');
    assertText(request.reason, 'reason', ledgerLimits.maxReasonLength);
    assertOptionalUuid(request.operationId, 'operationId');
    assertOptionalUuid(request.actorId, 'actorId');
    const holdId = request.holdId.toLowerCase();
    const operationId = request.operationId?.toLowerCase() ?? null;
    const actorId = request.actorId?.toLowerCase() ?? null;
    return this.resolveOne({
      kind: 'void',
      holdId,
      operationId,
      actorId,
      reason: request.reason,
      fingerprint: fingerprint('void', [holdId, request.reason, operationId, actorId]),
    }) as Promise<VoidResult>;
  }

  /** Moves a pending hold's expiry (a running job keeps its hold alive). */
  async extendHold(request: ExtendHoldRequest): Promise<ExtendHoldResult> {
    assertUuid(request.holdId, 'holdId');
    assertDate(request.expiresAt, 'expiresAt');
    assertOptionalUuid(request.operationId, 'operationId');
    assertOptionalUuid(request.actorId, 'actorId');
    const holdId = request.holdId.toLowerCase();
    const operationId = request.operationId?.toLowerCase() ?? null;
    const actorId = request.actorId?.toLowerCase() ?? null;
    return this.resolveOne({
      kind: 'extend',
      holdId,
      expiresAt: request.expiresAt,
      operationId,
      actorId,
      fingerprint: fingerprint('extend', [holdId, request.expiresAt, operationId, actorId]),
    }) as Promise<ExtendHoldResult>;
  }

  private async resolveOne(request: Exclude<ResolutionRequest, { kind: 'expire' }>): Promise<CaptureResult | VoidResult | ExtendHoldResult> {
    return inTransaction(
      this.pool,
      request.kind,
      async (client) => {
        const orgId = await orgOfHold(client, request.holdId);
        if (orgId === null) {
          return { ok: false, code: 'hold_not_found', figures: { holdId: request.holdId }, balanceVersion: null, replayed: false } as const;
        }
        const { results } = await resolveHolds(client, orgId, [request], this.now());
        const [result] = results;
        assert(result !== undefined && result !== null && !('expired' in result), 'a resolution answers');
        return result;
      },
      this.hooks,
    );
  }

  /** Expires up to `limit` pending holds past their expiry, one transaction per pool. */
  async sweepExpiredHolds(limit: number): Promise<SweepResult> {
    assertInteger(limit, 'limit', 1, ledgerLimits.maxSweepLimit);
    const now = this.now();
    const candidates = await expiredHoldCandidates(this.pool, now, limit);
    const byOrg = groupByOrg(candidates);
    const result: SweepResult = { expiredHolds: [], balances: [] };
    for (const [orgId, holds] of byOrg) {
      const outcome = await inTransaction(
        this.pool,
        'sweep holds',
        (client) => resolveHolds(client, orgId, holds.map((hold) => ({ kind: 'expire', holdId: hold.holdId })), now),
        this.hooks,
      );
      for (const expired of outcome.results) {
        if (expired !== null && 'expired' in expired) {
          result.expiredHolds.push({ holdId: expired.hold.holdId, orgId, amountCredits: expired.hold.amountCredits });
        }
      }
      if (outcome.changed) {
        result.balances.push(outcome.balance);
      }
    }
    return result;
  }

  /** Expires up to `limit` grants past their expiry: their unspent, unheld credits go to the expiry sink. */
  async expireGrants(limit: number): Promise<ExpireGrantsResult> {
    assertInteger(limit, 'limit', 1, ledgerLimits.maxSweepLimit);
    const now = this.now();
    const candidates = await expiredGrantCandidates(this.pool, now, limit);
    const result: ExpireGrantsResult = { expiredGrants: [], balances: [] };
    for (const [orgId, grants] of groupByOrg(candidates)) {
      const outcome = await inTransaction(
        this.pool,
        'expire grants',
        (client) => expireGrantsOfPool(client, orgId, grants.map((grant) => grant.grantId), now),
        this.hooks,
      );
      result.expiredGrants.push(...outcome.expired);
      if (outcome.balance !== null) {
        result.balances.push(outcome.balance);
      }
    }
    return result;
  }

  /* ---------- queries ---------- */

  async poolBalance(orgId: string): Promise<PoolBalanceResult> {
    assertUuid(orgId, 'orgId');
    return poolBalance(this.pool, orgId.toLowerCase(), this.now());
  }

  async memberBudget(orgId: string, memberId: string): Promise<BudgetResult> {
    assertUuid(memberId, 'memberId');
    return this.budget(orgId, 'member', memberId);
  }

  async projectBudget(orgId: string, projectId: string): Promise<BudgetResult> {
    assertUuid(projectId, 'projectId');
    return this.budget(orgId, 'project', projectId);
  }

  private async budget(orgId: string, scope: BudgetScope, subjectId: string): Promise<BudgetResult> {
    assertUuid(orgId, 'orgId');
    const found = await readBudget(this.pool, orgId.toLowerCase(), scope, subjectId.toLowerCase(), this.now());
    if (found === null) {
      return { ok: false, code: 'pool_not_found', figures: { orgId }, balanceVersion: null, replayed: false };
    }
    return { ok: true, budget: found.budget, balanceVersion: found.balanceVersion };
  }

  /** The id bounds of an org's transfers in [from, to), to pass to `history` as `transferIds`. */
  async transferIdRange(request: { orgId: string; from?: Date; to?: Date }): Promise<TransferIdRange | null> {
    assertUuid(request.orgId, 'orgId');
    if (request.from !== undefined) assertDate(request.from, 'from');
    if (request.to !== undefined) assertDate(request.to, 'to');
    return transferIdRange(this.pool, request.orgId.toLowerCase(), request.from ?? null, request.to ?? null);
  }

  async history(request: HistoryQuery): Promise<HistoryPage> {
    assertUuid(request.orgId, 'orgId');
    assertOptionalUuid(request.memberId, 'memberId');
    assertOptionalUuid(request.projectId, 'projectId');
    assertInteger(request.limit, 'limit', 1, ledgerLimits.maxHistoryPageSize);
    if (request.kinds !== undefined) {
      assert(request.kinds.every((kind) => transferKinds.includes(kind)), 'kinds are transfer kinds');
    }
    if (request.from !== undefined) {
      assertDate(request.from, 'from');
    }
    if (request.to !== undefined) {
      assertDate(request.to, 'to');
    }
    return history(this.pool, {
      ...request,
      orgId: request.orgId.toLowerCase(),
      memberId: request.memberId?.toLowerCase(),
      projectId: request.projectId?.toLowerCase(),
    });
  }

  /** One grant of the org, with what its expiry took (e.g. to carry unspent credits into a new period). */
  async grantState(orgId: string, grantId: bigint): Promise<{ grant: GrantView; expiredCredits: bigint } | null> {
    assertUuid(orgId, 'orgId');
    assert(typeof grantId === 'bigint' && grantId > 0n, 'grantId is a positive bigint');
    return grantState(this.pool, orgId.toLowerCase(), grantId, this.now());
  }

  async getHold(holdId: string): Promise<HoldView | null> {
    assertUuid(holdId, 'holdId');
    return readHoldView(this.pool, holdId.toLowerCase());
  }

  /** Audits every invariant against the journal (see `checkInvariants`). */
  async checkInvariants(orgId: string | null = null): Promise<InvariantReport> {
    assertOptionalUuid(orgId, 'orgId');
    return checkInvariants(this.pool, orgId?.toLowerCase() ?? null);
  }
}

/** Work on a caller's connection must run in the caller's transaction, or it would not be atomic. */
function assertInTransaction(client: pg.ClientBase, label: string): void {
  // pg tracks the server's transaction status ('I' idle, 'T' in a transaction, 'E' failed).
  const status = (client as { getTransactionStatus?: () => string | null }).getTransactionStatus?.();
  assert(status === undefined || status === null || status === 'T', `${label} with a client needs its open transaction (BEGIN first)`);
}

function normalizeReference(reference: ReferenceInput | undefined): { jobId: string | null; purchaseId: string | null } {
  const jobId = reference?.jobId ?? null;
  const purchaseId = reference?.purchaseId ?? null;
  if (jobId !== null) {
    assertText(jobId, 'reference.jobId', ledgerLimits.maxReferenceLength);
  }
  if (purchaseId !== null) {
    assertText(purchaseId, 'reference.purchaseId', ledgerLimits.maxReferenceLength);
  }
  return { jobId, purchaseId };
}

function groupByOrg<Item extends { orgId: string }>(items: readonly Item[]): Map<string, Item[]> {
  const groups = new Map<string, Item[]>();
  for (const item of [...items].sort((a, b) => (a.orgId < b.orgId ? -1 : a.orgId > b.orgId ? 1 : 0))) {
    const group = groups.get(item.orgId) ?? [];
    group.push(item);
    groups.set(item.orgId, group);
  }
  return groups;
}

/** Errors worth splitting a batch for: bad data (class 22), a broken constraint (23), an assertion. */
function isolatable(error: unknown): boolean {
  if (error instanceof LedgerAssertionError) {
    return true;
  }
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  return (code.startsWith('22') || code.startsWith('23')) && code !== '23505';
}
