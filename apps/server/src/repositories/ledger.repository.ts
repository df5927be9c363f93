import { HttpStatus, Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { Ledger, type BudgetView as LedgerBudget, type PeriodKind } from '@atelier/ledger';
import type { BudgetView, PoolView } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { ClockRepository } from './clock.repository.js';
import { PostgresPoolRepository } from './postgres-pool.repository.js';

export interface BudgetChange {
  organizationId: string;
  limitCredits: number | null;
  period: PeriodKind;
  actorId: string;
}

/**
 * The server's door to the credit ledger (@atelier/ledger): converts between the API's JSON
 * integers and the ledger's bigints, and turns a missing pool into a 404.
 */
@Injectable()
export class LedgerRepository implements OnApplicationShutdown {
  readonly ledger: Ledger;

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

  async onApplicationShutdown(): Promise<void> {
    await this.ledger.close();
  }
}

export function budgetView(budget: LedgerBudget): BudgetView {
  return {
    limitCredits: budget.limitCredits === null ? null : Number(budget.limitCredits),
    period: budget.period,
    spentCredits: Number(budget.spentCredits),
    pendingCredits: Number(budget.pendingCredits),
    remainingCredits: budget.remainingCredits === null ? null : Number(budget.remainingCredits),
    resetsAt: budget.periodEnd?.toISOString() ?? null,
  };
}
