import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { defaultCatalog, estimate, type Catalog, type EstimateSuccess } from '@atelier/pricing';
import type { BlockingReason, BudgetView, PreflightRequest, PreflightView, PriceView } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { Membership } from '../database/entities/index.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { ProjectsService } from './projects.service.js';

/**
 * What Generate would do right now: the authoritative price and every limit that applies, checked
 * the way a hold checks them, without placing one.
 */
@Injectable()
export class PreflightService {
  constructor(
    @Inject(EntityManager) private readonly em: EntityManager,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(ProjectsService) private readonly projects: ProjectsService,
  ) {}

  /** The catalog an org's prices come from. */
  catalogFor(_organizationId: string): Catalog {
    return defaultCatalog;
  }

  /** Prices a raw request; a bad one is a 400 naming the field (prefixed with `request.`). */
  price(organizationId: string, request: unknown): EstimateSuccess {
    const result = estimate(request, this.catalogFor(organizationId));
    if (!result.ok) {
      const first = result.errors[0];
      const field = first === undefined ? 'request' : `request.${first.field}`;
      throw new ApiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_request',
        message: first === undefined ? 'The generation request is not valid' : `${field}: ${first.message}`,
        field,
        allowed: first?.allowed,
        issues: result.errors.map((error) => ({ field: `request.${error.field}`, message: error.message, allowed: error.allowed })),
      });
    }
    return result;
  }

  async preflight(organizationId: string, userId: string, body: PreflightRequest): Promise<PreflightView> {
    const priced = this.price(organizationId, body.request);
    if (body.projectId !== undefined) {
      await this.projects.find(organizationId, body.projectId);
    }
    const membership = await this.em.findOneOrFail(Membership, { organization: organizationId, user: userId });
    const [pool, member, project, deficit] = await Promise.all([
      this.ledger.poolBalance(organizationId),
      this.ledger.memberBudget(organizationId, userId),
      body.projectId === undefined ? Promise.resolve(null) : this.ledger.projectBudget(organizationId, body.projectId),
      this.ledger.ledger.deficit(organizationId, 1),
    ]);
    const allowedModels = membership.allowedModels ?? null;
    const modelAllowed = allowedModels === null || allowedModels.includes(priced.modelId);
    const reasons: BlockingReason[] = [];
    const requested = priced.credits;
    if (!modelAllowed) {
      reasons.push({ code: 'model_not_allowed', message: `Your budget does not include ${priced.modelId}. Pick one of: ${allowedModels.join(', ')}.` });
    }
    if (deficit.ok && deficit.deficit.deficitCredits > 0n) {
      reasons.push({
        code: 'deficit_outstanding',
        message: `A refund or dispute took back ${String(deficit.deficit.deficitCredits)} credits that were already spent. Generations are paused until an owner adds credits.`,
      });
    }
    if (pool.availableCredits < requested) {
      reasons.push({
        code: 'insufficient_credits',
        message: `The team pool has ${String(pool.availableCredits)} credits available; this needs ${String(requested)}. Reduce the cost (smaller size, fewer steps, a cheaper model) or ask an owner to buy credits.`,
        availableCredits: pool.availableCredits,
        requestedCredits: requested,
      });
    }
    pushBudgetReason(reasons, 'budget_exceeded', 'your budget', member, requested);
    if (project !== null) {
      pushBudgetReason(reasons, 'project_budget_exceeded', "the project's budget", project, requested);
    }
    return {
      allowed: reasons.length === 0,
      reasons,
      price: priceView(priced),
      pool: { availableCredits: pool.availableCredits },
      member,
      project,
      modelAllowed,
    };
  }
}

export function priceView(priced: EstimateSuccess): PriceView {
  return {
    credits: priced.credits,
    lineItems: priced.lineItems.map((item) => ({ ...item })),
    catalogId: priced.catalogId,
    catalogVersion: priced.catalogVersion,
    modelId: priced.modelId,
    provider: priced.provider,
  };
}

function pushBudgetReason(
  reasons: BlockingReason[],
  code: 'budget_exceeded' | 'project_budget_exceeded',
  whose: string,
  budget: BudgetView,
  requested: number,
): void {
  if (budget.remainingCredits === null || budget.remainingCredits >= requested) {
    return;
  }
  const resets = budget.resetsAt === null ? '' : ` It resets at ${budget.resetsAt}.`;
  reasons.push({
    code,
    message: `This needs ${String(requested)} credits and ${whose} has ${String(budget.remainingCredits)} left.${resets}`,
    availableCredits: budget.remainingCredits,
    requestedCredits: requested,
    resetsAt: budget.resetsAt,
  });
}
