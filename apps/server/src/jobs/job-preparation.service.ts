import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { buildRequest, isOperation, judge, operationInputs, type Catalog, type CreditLimits, type Judgement, type SpendingLimits, type Usage } from '@atelier/pricing';
import type { MaskStroke, SubmitJobRequest } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { WorkspacesService } from '../collab/workspaces.service.js';
import { PricingContextService, type PricingContext } from '../pricing/pricing-context.service.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { AssetsRepository, type SourceAsset } from './assets.repository.js';
import { JobsRepository } from './jobs.repository.js';
import { notFound } from '../orgs/organization.guard.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { currentPeriodStarts, usageFromRows } from './free-allowance.repository.js';
import { renderMask, type RenderedMask } from './mask-render.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { PROVIDER_REGISTRY } from '../repositories/tokens.js';

/** A generation request made ready: built once, priced and judged by @atelier/pricing. */
export interface PreparedJob {
  /** The submit body with the workspace's document applied. */
  body: SubmitJobRequest;
  /** Exactly what is priced, recorded on the job and run. */
  request: Record<string, unknown>;
  source: SourceAsset | undefined;
  mask: RenderedMask | undefined;
  context: PricingContext;
  usage: Usage;
  judgement: Judgement;
  maxConcurrentJobsPerMember: number;
}

export interface PrepareOptions {
  /** What each credit limit has left (preflight); absent on submit, where the ledger's hold checks them atomically. */
  credits?: CreditLimits | undefined;
  /** Check the operation's inputs (prompt, search text, source, mask): always on submit. */
  checkInputs: boolean;
}

/**
 * The one path from what a person or a client asked for to a judged request, shared by preflight
 * and submit. With a workspace, the request is built from its shared settings by the same
 * `buildRequest` the browser uses; without one, the body's request is taken as given (strict).
 */
@Injectable()
export class JobPreparationService {
  private readonly contexts = new ReadCoalescer<string, { read: Awaited<ReturnType<JobsRepository['submitContext']>>; now: Date }>();

  constructor(
    @Inject(JobsRepository) private readonly jobs: JobsRepository,
    @Inject(AssetsRepository) private readonly assets: AssetsRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(PricingContextService) private readonly pricing: PricingContextService,
    @Inject(WorkspacesService) private readonly workspaces: WorkspacesService,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
  ) {}

  async prepare(organizationId: string, userId: string, submitted: SubmitJobRequest, options: PrepareOptions): Promise<PreparedJob> {
    // One round trip: the org's catalog and tier, the member's limits, the free-tier usage; shared
    // by the member's submits waiting at the same time (never one begun before this one asked).
    const { read, now } = await this.contexts.read(`${organizationId}|${userId}`, async () => {
      const readAt = new Date();
      return { read: await this.jobs.submitContext(organizationId, userId, currentPeriodStarts(readAt)), now: readAt };
    });
    const membership = read?.member;
    if (read === undefined || membership === undefined) throw notFound('The organization');
    const context = this.pricing.contextOf(read.pricing);
    const catalog = context.catalog;
    const { body, settings } = await this.workspaces.applyToSubmit(organizationId, submitted);
    if (body.parentAssetId !== undefined) await this.assetOf(organizationId, body.parentAssetId, 'parentAssetId');
    const shape =
      submitted.workspaceId === undefined ? await this.fromBody(organizationId, body, options.checkInputs) : await this.fromSettings(organizationId, body, settings, catalog);
    const usage = usageFromRows(catalog, read.freeUsage, now);
    const activeJobs = context.tier.maxConcurrentJobs === null ? 0 : await this.jobs.activeCount(organizationId, userId);
    const limits: SpendingLimits = {
      isAvailable: (modelId, operation) => isOperation(operation) && this.providers.providerFor(modelId, catalogProvider(catalog, modelId), operation) !== undefined,
      allowedModels: membership.allowedModels,
      tier: { ...context.tier, activeJobs },
      credits: options.credits,
    };
    const prepared = (request: Record<string, unknown>, mask: RenderedMask | undefined, judgement: Judgement): PreparedJob => ({
      body,
      request,
      source: shape.source,
      mask,
      context,
      usage,
      judgement,
      maxConcurrentJobsPerMember: membership.maxConcurrentJobsPerMember,
    });
    let mask: RenderedMask | undefined;
    let request = shape.request(undefined);
    if (shape.strokes !== undefined && shape.source !== undefined) {
      // Rendering costs CPU: only a request that is valid, allowed and affordable at its cheapest gets that far.
      const refused = await this.refusedBeforeRendering(organizationId, userId, shape.request, catalog, usage, limits);
      if (refused !== undefined) return prepared(shape.request(1), undefined, refused);
      mask = await renderMask(shape.strokes, shape.source.width, shape.source.height);
      request = shape.request(mask.coverage);
    }
    const inputs = options.checkInputs
      ? { prompt: body.prompt, searchPrompt: body.searchPrompt, hasSource: shape.source !== undefined, maskCoverage: mask?.coverage }
      : undefined;
    return prepared(request, mask, judge(request, inputs, catalog, usage, limits));
  }

  /**
   * Before an inpaint's mask is rendered: its request must price at full coverage, its model and tier
   * must allow it, and its cheapest price (no coverage) must fit the pool and the member's budget.
   * The hold after rendering checks the exact price, as always. A refusal here is the judgement.
   */
  private async refusedBeforeRendering(
    organizationId: string,
    userId: string,
    requestAt: (coverage: number | undefined) => Record<string, unknown>,
    catalog: Catalog,
    usage: Usage,
    limits: SpendingLimits,
  ): Promise<Judgement | undefined> {
    const dearest = judge(requestAt(1), undefined, catalog, usage, limits);
    if (!dearest.allowed) return dearest;
    const [pool, member] = await Promise.all([this.ledger.poolBalance(organizationId), this.ledger.memberBudget(organizationId, userId)]);
    const cheapest = judge(requestAt(0), undefined, catalog, usage, {
      ...limits,
      credits: { poolAvailableCredits: pool.availableCredits, deficitCredits: 0, member: { remainingCredits: member.remainingCredits, resetsAt: member.resetsAt }, project: null },
    });
    return cheapest.allowed ? undefined : cheapest;
  }

  /** A workspace: its shared settings make the request, exactly as the browser builds it. */
  private async fromSettings(organizationId: string, body: SubmitJobRequest, shared: Record<string, unknown>, catalog: Catalog): Promise<RequestShape> {
    const settings = { ...shared, sourceAssetId: body.sourceAssetId };
    const first = buildRequest(settings, catalog);
    const source = first.sourceAssetId === undefined ? undefined : await this.assetOf(organizationId, first.sourceAssetId);
    const sourceSize = source === undefined ? undefined : { width: source.width, height: source.height };
    return {
      source,
      strokes: strokesFor(first.request.operation, body),
      request: (coverage) => ({ ...buildRequest(settings, catalog, { sourceSize, maskCoverage: coverage ?? 0 }).request }),
    };
  }

  /** No workspace: the body's request as given; an edit's size must be its source's. */
  private async fromBody(organizationId: string, body: SubmitJobRequest, measured: boolean): Promise<RequestShape> {
    const request: Record<string, unknown> = { ...body.request };
    const operation = request.operation;
    let source: SourceAsset | undefined;
    if (body.sourceAssetId !== undefined && operation !== 'text-to-image') {
      source = await this.assetOf(organizationId, body.sourceAssetId);
      for (const [field, actual] of [['width', source.width], ['height', source.height]] as const) {
        if (request[field] === undefined) request[field] = actual;
        else if (request[field] !== actual) throw invalid(`request.${field}`, `must be the source image's ${field} (${String(actual)})`);
      }
    }
    const masked = typeof operation === 'string' && isMasked(operation);
    return {
      source,
      strokes: typeof operation === 'string' ? strokesFor(operation, body) : undefined,
      // On submit the coverage is measured from the strokes, never taken from the body (a preflight
      // without strokes may state the coverage it wants priced).
      request: (coverage) => (coverage !== undefined && masked ? { ...request, mask: { coverage } } : measured && masked ? { ...request, mask: { coverage: 0 } } : request),
    };
  }

  private async assetOf(organizationId: string, assetId: string, field: 'sourceAssetId' | 'parentAssetId' = 'sourceAssetId'): Promise<SourceAsset> {
    const found = await this.assets.findInOrganization(organizationId, assetId);
    if (found !== undefined) return found;
    if (field === 'parentAssetId') {
      throw new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: 'The parent image was not found in this organization.', field });
    }
    throw invalid(field, 'No such image in this organization.');
  }

}

function catalogProvider(catalog: Catalog, modelId: string): string {
  return catalog.models.find((model) => model.id === modelId)?.provider ?? '';
}

/** What a request is built from: its source, its mask's strokes, and the request at a mask coverage. */
interface RequestShape {
  source: SourceAsset | undefined;
  /** The strokes to render, for an operation that takes a mask. */
  strokes: MaskStroke[] | undefined;
  request: (maskCoverage: number | undefined) => Record<string, unknown>;
}

function strokesFor(operation: string, body: SubmitJobRequest): MaskStroke[] | undefined {
  return isMasked(operation) && body.maskStrokes !== undefined && body.maskStrokes.length > 0 ? body.maskStrokes : undefined;
}

function isMasked(operation: string): boolean {
  return isOperation(operation) && operationInputs(operation).mask;
}

export function invalid(field: string, message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `${field}: ${message}`, field });
}
