import { HttpStatus, Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import {
  type CompanionWrites,
  HoldCompanionError,
  Ledger,
  type BudgetView as LedgerBudget,
  type GrantSource,
  type HistoryPage,
  type HistoryQuery,
  type HoldRejection,
  type InvariantReport,
  type PeriodKind,
  type PoolBalance,
  type TransferIdRange,
} from '@atelier/ledger';
import type { BudgetView, PoolView } from '@atelier/contracts';
import type { BalanceChanged } from '../events/app-events.js';
import { ApiError } from '../common/error.filter.js';
import { ClockRepository } from './clock.repository.js';
import { PostgresPoolRepository } from './postgres-pool.repository.js';

export interface BudgetChange {
  organizationId: string;
  limitCredits: number | null;
  period: PeriodKind;
  actorId: string;
}

/** A member's budget (API numbers) and the bounds of its current period (null: no period). */
export interface MemberBudgetPeriod extends BudgetView {
  periodStart: Date | null;
  periodEnd: Date | null;
}

/** A job's hold: its id is the job's. */
export interface JobHold {
  jobId: string;
  organizationId: string;
  memberId: string;
  projectId: string | null;
  credits: number;
  ttlMs: number;
  reason: string;
}

/** A job's hold placed in a batch: the pool's balance and the member's budget right after it, or why not. */
export type JobHoldOutcome = { ok: true; balance: BalanceChanged; member: BudgetView } | { ok: false; refusal: HoldRefusal };

/** Why the ledger refused a hold, in API numbers (the judge words it). */
export type HoldRefusal =
  | { code: 'deficit_outstanding'; deficitCredits: number }
  | { code: 'insufficient_credits'; availableCredits: number }
  | {
      code: 'budget_exceeded' | 'project_budget_exceeded';
      limitCredits: number;
      spentCredits: number;
      pendingCredits: number;
      remainingCredits: number;
      requestedCredits: number;
      resetsAt: string | null;
    }
  | { code: 'id_conflict' | 'pool_not_found' | 'invalid_expiry' };

export type CaptureOutcome =
  | { ok: true; balance: BalanceChanged }
  /** Captured before (a retried attempt): what was captured then. */
  | { ok: false; code: 'already_captured'; capturedCredits: number }
  /** Voided or expired meanwhile (a cancel, a lost worker): the refund stands. */
  | { ok: false; code: 'released' };

export interface GrantOrder {
  operationId: string;
  organizationId: string;
  source: GrantSource;
  credits: number;
  expiresAt?: Date | null;
  purchaseId?: string;
  actorId: string;
  reason: string;
}

export interface GrantMade {
  grantId: bigint;
  balance: BalanceChanged;
  settledDeficitCredits: number;
  /** True when this operation id had been granted before (nothing new was granted). */
  replayed: boolean;
}

export interface ClawBackMade {
  reclaimedCredits: number;
  deficitAddedCredits: number;
  waitingCredits: number;
  deficitCredits: number;
  balance: BalanceChanged;
  replayed: boolean;
}

/**
 * The server's only door to the credit ledger (@atelier/ledger): every operation the server
 * makes on credits goes through a method here, and this is the one place where the ledger's
 * bigint credits become the API's JSON numbers (and back). A missing pool becomes a 404.
 */
@Injectable()
export class LedgerRepository implements OnApplicationShutdown {
  private readonly ledger: Ledger;

  constructor(
    @Inject(PostgresPoolRepository) postgres: PostgresPoolRepository,
    @Inject(ClockRepository) clock: ClockRepository,
  ) {
    // The server's clock: tests that move it move budget periods and expiries with it.
    this.ledger = new Ledger(postgres.pool, { now: () => clock.now() });
  }

  async createPool(client: pg.PoolClient, request: { organizationId: string; timeZone: string }): Promise<void> {
    const result = await this.ledger.createPool({ orgId: request.organizationId, timeZone: request.timeZone }, client);
    if (!result.ok) {
      throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `Unknown time zone ${request.timeZone}`, field: 'timeZone' });
    }
  }

  async setPoolTimeZone(organizationId: string, timeZone: string): Promise<void> {
    const result = await this.ledger.setPoolTimeZone({ operationId: crypto.randomUUID(), orgId: organizationId, timeZone, actorId: organizationId });
    if (!result.ok) {
      throw new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `Unknown time zone ${timeZone}`, field: 'timeZone' });
    }
  }

  async setMemberBudget(change: BudgetChange & { memberId: string }, client?: pg.PoolClient): Promise<void> {
    const result = await this.ledger.setMemberBudget(
      {
        operationId: crypto.randomUUID(),
        orgId: change.organizationId,
        memberId: change.memberId,
        limitCredits: change.limitCredits === null ? null : BigInt(change.limitCredits),
        period: change.period,
        actorId: change.actorId,
      },
      client,
    );
    if (!result.ok) {
      throw new Error(`ledger refused a member budget: ${result.code}`);
    }
  }

  setMemberBudgetInTransaction(client: pg.PoolClient, change: BudgetChange & { memberId: string }): Promise<void> {
    return this.setMemberBudget(change, client);
  }

  async setProjectBudget(change: BudgetChange & { projectId: string }): Promise<void> {
    const result = await this.ledger.setProjectBudget({
      operationId: crypto.randomUUID(),
      orgId: change.organizationId,
      projectId: change.projectId,
      limitCredits: change.limitCredits === null ? null : BigInt(change.limitCredits),
      period: change.period,
      actorId: change.actorId,
    });
    if (!result.ok) {
      throw new Error(`ledger refused a project budget: ${result.code}`);
    }
  }

  async poolBalance(organizationId: string): Promise<PoolView> {
    const result = await this.ledger.poolBalance(organizationId);
    if (!result.ok) {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The organization has no credit pool.' });
    }
    return {
      postedCredits: Number(result.balance.postedCredits),
      pendingCredits: Number(result.balance.pendingCredits),
      availableCredits: Number(result.balance.availableCredits),
      version: String(result.balance.balanceVersion),
    };
  }

  async memberBudget(organizationId: string, memberId: string): Promise<BudgetView> {
    const result = await this.ledger.memberBudget(organizationId, memberId);
    if (!result.ok) {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The organization has no credit pool.' });
    }
    return budgetView(result.budget);
  }

  async projectBudget(organizationId: string, projectId: string): Promise<BudgetView> {
    const result = await this.ledger.projectBudget(organizationId, projectId);
    if (!result.ok) {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The organization has no credit pool.' });
    }
    return budgetView(result.budget);
  }

  /** Credits a refund or dispute took back after they were spent (0 when none is owed). */
  async deficitCredits(organizationId: string): Promise<number> {
    const result = await this.ledger.deficit(organizationId, 1);
    return result.ok ? Number(result.deficit.deficitCredits) : 0;
  }

  /** The pool's balance as a balance event, or undefined when the org has no pool. */
  async balance(organizationId: string): Promise<BalanceChanged | undefined> {
    const result = await this.ledger.poolBalance(organizationId);
    return result.ok ? balanceChanged(result.balance) : undefined;
  }

  /** A member's budget with the pool's version (to order it against balance events). */
  async memberBudgetState(organizationId: string, memberId: string): Promise<{ budget: BudgetView; version: string } | undefined> {
    const result = await this.ledger.memberBudget(organizationId, memberId);
    if (!result.ok) return undefined;
    return { budget: budgetView(result.budget), version: String(result.balanceVersion) };
  }

  /** A member's budget in this period, with the period's bounds (alerts key on them). */
  async memberBudgetPeriod(organizationId: string, memberId: string): Promise<MemberBudgetPeriod | undefined> {
    const result = await this.ledger.memberBudget(organizationId, memberId);
    if (!result.ok) return undefined;
    const { budget } = result;
    return {
      ...budgetView(budget),
      periodStart: budget.periodStart,
      periodEnd: budget.periodEnd,
    };
  }

  /* ---------- a job's hold ---------- */

  /** Places a job's hold inside the caller's transaction (with the job's row and queue entry). */
  async holdForJob(client: pg.ClientBase, hold: JobHold): Promise<{ ok: true; balance: BalanceChanged } | { ok: false; refusal: HoldRefusal }> {
    const placed = await this.ledger.holdInTransaction(client, holdRequestOf(hold));
    return placed.ok ? { ok: true, balance: balanceChanged(placed.balance) } : { ok: false, refusal: holdRefusal(placed) };
  }

  /**
   * Job holds placed in shared transactions (the ledger's batches): `writes` insert the jobs' rows
   * (job, queue entry) in the same commit, the rows that do not depend on the decision before the
   * pool is locked (see `CompanionWrites`). Each call answers for its own hold; a failure of the
   * writes caused by one job rejects that call alone, with the writer's own error.
   */
  jobHoldBatcher<Payload>(writes: CompanionWrites<Payload>): (hold: JobHold, payload: Payload) => Promise<JobHoldOutcome> {
    const batcher = this.ledger.holdsWith<Payload>(writes);
    return async (hold, payload) => {
      const { result: placed, memberBudget } = await batcher
        .hold(holdRequestOf(hold), payload)
        .catch((error: unknown) => {
          throw error instanceof HoldCompanionError ? error.cause : error;
        });
      if (!placed.ok) return { ok: false, refusal: holdRefusal(placed) };
      if (memberBudget === undefined) throw new Error(`hold ${hold.jobId} was placed before (a job id is never reused)`);
      return { ok: true, balance: balanceChanged(placed.balance), member: budgetView(memberBudget) };
    };
  }

  /** Captures `credits` of a hold and releases the rest; exactly once per hold. */
  async capture(holdId: string, credits: number, reason: string): Promise<CaptureOutcome> {
    const captured = await this.ledger.capture({ holdId, amountCredits: BigInt(credits), reason });
    if (captured.ok) return { ok: true, balance: balanceChanged(captured.balance) };
    if (captured.code === 'hold_already_captured') return { ok: false, code: 'already_captured', capturedCredits: Number(captured.figures.capturedCredits) };
    if (captured.code === 'amount_exceeds_hold') throw new Error(`capture of ${String(credits)} exceeds hold ${holdId}`);
    return { ok: false, code: 'released' };
  }

  /** What a hold's capture charged, or undefined when it is not captured (pending, voided or unknown). */
  async capturedCredits(holdId: string): Promise<number | undefined> {
    const hold = await this.ledger.getHold(holdId);
    return hold?.status === 'captured' && hold.capturedCredits !== null ? Number(hold.capturedCredits) : undefined;
  }

  /** Releases a hold in full; the new balance, or undefined when it was already resolved. */
  async release(holdId: string, reason: string, actorId?: string): Promise<BalanceChanged | undefined> {
    const voided = await this.ledger.void({ holdId, reason, ...(actorId === undefined ? {} : { actorId }) });
    return voided.ok ? balanceChanged(voided.balance) : undefined;
  }

  /** Keeps a running job's hold alive; false when it was resolved or expired meanwhile. */
  async extendHold(holdId: string, expiresAt: Date): Promise<boolean> {
    return (await this.ledger.extendHold({ holdId, expiresAt })).ok;
  }

  /** Voids holds past their expiry: their ids, and the new balances of the pools they were in. */
  async sweepExpiredHolds(limit: number): Promise<{ holds: { holdId: string; organizationId: string }[]; balances: BalanceChanged[] }> {
    const swept = await this.ledger.sweepExpiredHolds(limit);
    return { holds: swept.expiredHolds.map((hold) => ({ holdId: hold.holdId, organizationId: hold.orgId })), balances: swept.balances.map(balanceChanged) };
  }

  /** Moves the unspent credits of grants past their expiry to the expiry sink. */
  async expireGrants(limit: number): Promise<BalanceChanged[]> {
    return (await this.ledger.expireGrants(limit)).balances.map(balanceChanged);
  }

  /* ---------- grants and refunds ---------- */

  /** Credits the pool; idempotent on the operation id. With `client`, inside the caller's transaction. */
  async grant(order: GrantOrder, client?: pg.ClientBase): Promise<GrantMade> {
    const result = await this.ledger.grant(
      {
        operationId: order.operationId,
        orgId: order.organizationId,
        source: order.source,
        amountCredits: BigInt(order.credits),
        ...(order.expiresAt === undefined ? {} : { expiresAt: order.expiresAt }),
        ...(order.purchaseId === undefined ? {} : { reference: { purchaseId: order.purchaseId } }),
        actorId: order.actorId,
        reason: order.reason,
      },
      client,
    );
    if (!result.ok) throw new Error(`the ledger refused the grant ${order.operationId}: ${result.code}`);
    return {
      grantId: result.grant.grantId,
      balance: balanceChanged(result.balance),
      settledDeficitCredits: Number(result.settledDeficitCredits),
      replayed: result.replayed,
    };
  }

  /** Takes back what a refund or dispute covers of a grant (the spent part becomes a deficit). */
  async clawBack(
    request: { operationId: string; organizationId: string; grantId: bigint; credits: number; purchaseId: string; reason: string },
    client?: pg.ClientBase,
  ): Promise<ClawBackMade> {
    const result = await this.ledger.clawBack(
      {
        operationId: request.operationId,
        orgId: request.organizationId,
        grantId: request.grantId,
        amountCredits: BigInt(request.credits),
        reference: { purchaseId: request.purchaseId },
        actorId: request.organizationId,
        reason: request.reason,
      },
      client,
    );
    if (!result.ok) throw new Error(`the ledger refused the claw-back ${request.operationId}: ${result.code}`);
    return {
      reclaimedCredits: Number(result.reclaimedCredits),
      deficitAddedCredits: Number(result.deficitAddedCredits),
      waitingCredits: Number(result.waitingCredits),
      deficitCredits: Number(result.deficitCredits),
      balance: balanceChanged(result.balance),
      replayed: result.replayed,
    };
  }

  /** Pays off the pool's deficit from its balance, as far as it goes. */
  async settleDeficit(organizationId: string, actorId: string, reason: string): Promise<{ settledCredits: number; deficitCredits: number; balance: BalanceChanged }> {
    const result = await this.ledger.settleDeficit({ operationId: crypto.randomUUID(), orgId: organizationId, actorId, reason });
    if (!result.ok) throw new Error(`the ledger refused to settle: ${result.code}`);
    return { settledCredits: Number(result.settledCredits), deficitCredits: Number(result.deficitCredits), balance: balanceChanged(result.balance) };
  }

  /** What the org owes after refunds or disputes, and since when. */
  async deficit(organizationId: string): Promise<{ credits: number; since: Date | null }> {
    const result = await this.ledger.deficit(organizationId, 1);
    return result.ok ? { credits: Number(result.deficit.deficitCredits), since: result.deficit.since } : { credits: 0, since: null };
  }

  /** A grant's unspent, unheld credits (0 once gone), or null without a pool. */
  async grantAvailable(organizationId: string, grantId: bigint): Promise<{ availableCredits: number; expiredAt: Date | null } | null> {
    const result = await this.ledger.poolBalance(organizationId);
    if (!result.ok) return null;
    const grant = result.grants.find((candidate) => candidate.grantId === grantId);
    return grant === undefined ? { availableCredits: 0, expiredAt: null } : { availableCredits: Number(grant.availableCredits), expiredAt: grant.expiredAt };
  }

  /** A grant's state for a rollover: unspent and unheld credits while live, what expired once swept. */
  async grantState(organizationId: string, grantId: bigint): Promise<{ transferId: bigint; expired: boolean; unspentCredits: number; expiredCredits: number } | null> {
    const state = await this.ledger.grantState(organizationId, grantId);
    if (state === null) return null;
    return {
      transferId: state.grant.transferId,
      expired: state.grant.expiredAt !== null,
      unspentCredits: Number(state.grant.remainingCredits - state.grant.heldCredits),
      expiredCredits: Number(state.expiredCredits),
    };
  }

  /** Reverses part of a transfer (idempotent on the operation id); false when refused. */
  async reverse(request: { operationId: string; transferId: bigint; credits: number; actorId: string; reason: string }): Promise<boolean> {
    const result = await this.ledger.reverse({
      operationId: request.operationId,
      transferId: request.transferId,
      amountCredits: BigInt(request.credits),
      actorId: request.actorId,
      reason: request.reason,
    });
    return result.ok;
  }

  /* ---------- history and audit ---------- */

  history(query: HistoryQuery): Promise<HistoryPage> {
    return this.ledger.history(query);
  }

  transferIdRange(request: { orgId: string; from?: Date; to?: Date }): Promise<TransferIdRange | null> {
    return this.ledger.transferIdRange(request);
  }

  /** The ledger's own audit of its invariants (for one org, or all). */
  checkInvariants(organizationId: string | null = null): Promise<InvariantReport> {
    return this.ledger.checkInvariants(organizationId);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.ledger.close();
  }
}

/** The ledger's balance as the app's balance event (API numbers). */
export function balanceChanged(balance: PoolBalance): BalanceChanged {
  return {
    organizationId: balance.orgId,
    availableCredits: Number(balance.availableCredits),
    pendingCredits: Number(balance.pendingCredits),
    postedCredits: Number(balance.postedCredits),
    version: String(balance.balanceVersion),
  };
}

function holdRefusal(rejection: HoldRejection): HoldRefusal {
  switch (rejection.code) {
    case 'deficit_outstanding':
      return { code: rejection.code, deficitCredits: Number(rejection.figures.deficitCredits) };
    case 'insufficient_credits':
      return { code: rejection.code, availableCredits: Number(rejection.figures.availableCredits) };
    case 'budget_exceeded':
    case 'project_budget_exceeded': {
      const figures = rejection.figures;
      return {
        code: rejection.code,
        limitCredits: Number(figures.limitCredits),
        spentCredits: Number(figures.spentCredits),
        pendingCredits: Number(figures.pendingCredits),
        remainingCredits: Number(figures.remainingCredits),
        requestedCredits: Number(figures.requestedCredits),
        resetsAt: figures.periodEnd?.toISOString() ?? null,
      };
    }
    default:
      return { code: rejection.code };
  }
}

function budgetView(budget: LedgerBudget): BudgetView {
  return {
    limitCredits: budget.limitCredits === null ? null : Number(budget.limitCredits),
    period: budget.period,
    spentCredits: Number(budget.spentCredits),
    pendingCredits: Number(budget.pendingCredits),
    remainingCredits: budget.remainingCredits === null ? null : Number(budget.remainingCredits),
    resetsAt: budget.periodEnd?.toISOString() ?? null,
  };
}

/** The ledger's hold request for a job: the hold's id is the job's. */
function holdRequestOf(hold: JobHold) {
  return {
    holdId: hold.jobId,
    orgId: hold.organizationId,
    memberId: hold.memberId,
    projectId: hold.projectId,
    amountCredits: BigInt(hold.credits),
    ttlMs: hold.ttlMs,
    reference: { jobId: hold.jobId },
    actorId: hold.memberId,
    reason: hold.reason,
  };
}
