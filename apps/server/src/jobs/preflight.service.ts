import { Inject, Injectable } from '@nestjs/common';
import type { EstimateSuccess, Refusal } from '@atelier/pricing';
import type { BlockingReason, BudgetView, PreflightRequest, PreflightView, PriceView } from '@atelier/contracts';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { ProjectsService } from '../orgs/projects.service.js';
import { WorkspacesService } from '../collab/workspaces.service.js';
import { JobPreparationService } from './job-preparation.service.js';
import { pricingError } from './jobs.service.js';

/**
 * What Generate would do right now: the authoritative price and every limit that applies, judged
 * by the same function as submit and the browser's cost line, without placing a hold.
 */
@Injectable()
export class PreflightService {
  constructor(
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(ProjectsService) private readonly projects: ProjectsService,
    @Inject(JobPreparationService) private readonly preparation: JobPreparationService,
    @Inject(WorkspacesService) private readonly workspaces: WorkspacesService,
  ) {}

  async preflight(organizationId: string, userId: string, body: PreflightRequest): Promise<PreflightView> {
    const projectId = body.projectId ?? (body.workspaceId === undefined ? undefined : (await this.workspaces.find(organizationId, body.workspaceId)).project.id);
    if (projectId !== undefined) await this.projects.find(organizationId, projectId);
    const [pool, member, project, deficitCredits] = await Promise.all([
      this.ledger.poolBalance(organizationId),
      this.ledger.memberBudget(organizationId, userId),
      projectId === undefined ? Promise.resolve(null) : this.ledger.projectBudget(organizationId, projectId),
      this.ledger.deficitCredits(organizationId),
    ]);
    const prepared = await this.preparation.prepare(
      organizationId,
      userId,
      {
        request: body.request,
        prompt: body.prompt ?? '',
        ...(body.searchPrompt === undefined ? {} : { searchPrompt: body.searchPrompt }),
        ...(body.sourceAssetId === undefined ? {} : { sourceAssetId: body.sourceAssetId }),
        ...(projectId === undefined ? {} : { projectId }),
        ...(body.workspaceId === undefined ? {} : { workspaceId: body.workspaceId }),
      },
      {
        checkInputs: body.workspaceId !== undefined,
        credits: {
          poolAvailableCredits: pool.availableCredits,
          deficitCredits,
          member: { remainingCredits: member.remainingCredits, resetsAt: member.resetsAt },
          project: project === null ? null : { remainingCredits: project.remainingCredits, resetsAt: project.resetsAt },
        },
      },
    );
    const { judgement } = prepared;
    if (!judgement.estimate.ok) throw pricingError(judgement.estimate.errors);
    const priced = judgement.estimate;
    return {
      allowed: judgement.allowed,
      reasons: judgement.refusals.map(reasonView),
      price: priceView(priced),
      pool: { availableCredits: pool.availableCredits },
      member,
      project: project satisfies BudgetView | null,
      modelAllowed: !judgement.refusals.some((refusal) => refusal.code === 'model_not_allowed'),
      request: prepared.request,
    };
  }
}

function reasonView(refusal: Refusal): BlockingReason {
  const figures = refusal.figures ?? {};
  const number = (key: string): number | undefined => (typeof figures[key] === 'number' ? figures[key] : undefined);
  const available = number('availableCredits') ?? number('remainingCredits');
  const requested = number('requestedCredits');
  return {
    code: refusal.code,
    message: refusal.message,
    ...(refusal.field === undefined ? {} : { field: refusal.field }),
    ...(available === undefined ? {} : { availableCredits: available }),
    ...(requested === undefined ? {} : { requestedCredits: requested }),
    ...('resetsAt' in figures ? { resetsAt: (figures.resetsAt as string | null) ?? null } : {}),
  };
}

export function priceView(priced: EstimateSuccess): PriceView {
  return {
    credits: priced.credits,
    lineItems: priced.lineItems.map((item) => ({ ...item })),
    catalogId: priced.catalogId,
    catalogVersion: priced.catalogVersion,
    modelId: priced.modelId,
    provider: priced.provider,
    freeUnits: priced.freeUnits?.units ?? 0,
  };
}
