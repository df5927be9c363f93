import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { buildRequest, isOperation, judge, operationInputs, type Catalog, type CreditLimits, type Judgement, type Usage } from '@atelier/pricing';
import type { SubmitJobRequest } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { Asset, Membership } from '../database/entities/index.js';
import { WorkspacesService } from '../collab/workspaces.service.js';
import { PricingContextService, type PricingContext } from '../pricing/pricing-context.service.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { FreeAllowanceRepository } from './free-allowance.repository.js';
import { renderMask, type RenderedMask } from './mask-render.js';

/** A generation request made ready: built once, priced and judged by @atelier/pricing. */
export interface PreparedJob {
  /** The submit body with the workspace's document applied. */
  body: SubmitJobRequest;
  /** Exactly what is priced, recorded on the job and run. */
  request: Record<string, unknown>;
  source: Asset | undefined;
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
  constructor(
    @Inject(EntityManager) private readonly em: EntityManager,
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(PricingContextService) private readonly pricing: PricingContextService,
    @Inject(FreeAllowanceRepository) private readonly freeAllowances: FreeAllowanceRepository,
    @Inject(WorkspacesService) private readonly workspaces: WorkspacesService,
  ) {}

  async prepare(organizationId: string, userId: string, submitted: SubmitJobRequest, options: PrepareOptions): Promise<PreparedJob> {
    const [context, membership] = await Promise.all([
      this.pricing.contextFor(organizationId),
      this.em.fork().findOneOrFail(Membership, { organization: organizationId, user: userId }, { populate: ['organization'] }),
    ]);
    const catalog = context.catalog;
    const { body, settings } = await this.workspaces.applyToSubmit(organizationId, submitted);
    const { request, source, mask } =
      submitted.workspaceId === undefined ? await this.fromBody(organizationId, body, options.checkInputs) : await this.fromSettings(organizationId, body, settings, catalog);
    const [usage, activeJobs] = await Promise.all([
      this.freeAllowances.usage(organizationId, catalog),
      context.tier.maxConcurrentJobs === null ? Promise.resolve(0) : this.activeJobs(organizationId, userId),
    ]);
    const inputs = options.checkInputs
      ? { prompt: body.prompt, searchPrompt: body.searchPrompt, hasSource: source !== undefined, maskCoverage: mask?.coverage }
      : undefined;
    const judgement = judge(request, inputs, catalog, usage, {
      allowedModels: membership.allowedModels ?? null,
      tier: { ...context.tier, activeJobs },
      credits: options.credits,
    });
    return { body, request, source, mask, context, usage, judgement, maxConcurrentJobsPerMember: membership.organization.maxConcurrentJobsPerMember };
  }

  /** A workspace: its shared settings (over the body's request) make the request, as in the browser. */
  private async fromSettings(organizationId: string, body: SubmitJobRequest, shared: Record<string, unknown>, catalog: Catalog) {
    const settings = { ...shared, sourceAssetId: body.sourceAssetId };
    const first = buildRequest(settings, catalog);
    const source = first.sourceAssetId === undefined ? undefined : await this.assetOf(organizationId, first.sourceAssetId);
    const mask = await this.maskOf(first.request.operation, body, source);
    const sourceSize = source === undefined ? undefined : { width: source.width, height: source.height };
    const built = buildRequest(settings, catalog, { sourceSize, maskCoverage: mask?.coverage });
    return { request: { ...built.request } as Record<string, unknown>, source, mask };
  }

  /** No workspace: the body's request as given; an edit's size must be its source's. */
  private async fromBody(organizationId: string, body: SubmitJobRequest, measured: boolean) {
    const request: Record<string, unknown> = { ...body.request };
    const operation = request.operation;
    let source: Asset | undefined;
    if (body.sourceAssetId !== undefined && operation !== 'text-to-image') {
      source = await this.assetOf(organizationId, body.sourceAssetId);
      for (const [field, actual] of [['width', source.width], ['height', source.height]] as const) {
        if (request[field] === undefined) request[field] = actual;
        else if (request[field] !== actual) throw invalid(`request.${field}`, `must be the source image's ${field} (${String(actual)})`);
      }
    }
    const mask = typeof operation === 'string' ? await this.maskOf(operation, body, source) : undefined;
    // On submit the coverage is measured from the strokes, never taken from the body (a preflight
    // without strokes may state the coverage it wants priced).
    if (mask !== undefined) request.mask = { coverage: mask.coverage };
    else if (measured && typeof operation === 'string' && isMasked(operation)) request.mask = { coverage: 0 };
    return { request, source, mask };
  }

  private async maskOf(operation: string, body: SubmitJobRequest, source: Asset | undefined): Promise<RenderedMask | undefined> {
    if (!isMasked(operation) || source === undefined || body.maskStrokes === undefined || body.maskStrokes.length === 0) return undefined;
    return renderMask(body.maskStrokes, source.width, source.height);
  }

  private async assetOf(organizationId: string, assetId: string): Promise<Asset> {
    const source = await this.em.fork().findOne(Asset, { id: assetId, organization: organizationId });
    if (source === null) throw invalid('sourceAssetId', 'No such image in this organization.');
    return source;
  }

  private async activeJobs(organizationId: string, userId: string): Promise<number> {
    const result = await this.postgres.pool.query<{ count: string }>(
      `select count(*) from jobs where organization_id = $1 and author_id = $2 and status in ('queued', 'running')`,
      [organizationId, userId],
    );
    return Number(result.rows[0]?.count ?? 0);
  }
}

function isMasked(operation: string): boolean {
  return isOperation(operation) && operationInputs(operation).mask;
}

export function invalid(field: string, message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `${field}: ${message}`, field });
}
