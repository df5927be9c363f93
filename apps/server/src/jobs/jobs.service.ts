import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { estimate, type EstimateSuccess, type Operation } from '@atelier/pricing';
import type { HoldRejection } from '@atelier/ledger';
import type { JobView, SubmitJobRequest, SubmittedJobView } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { sha256 } from '../common/crypto.js';
import { Asset, Job, Membership } from '../database/entities/index.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { ProjectsService } from '../orgs/projects.service.js';
import { PreflightService } from '../orgs/preflight.service.js';
import { notFound } from '../orgs/organization.guard.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { AssetStorage } from '../storage/storage.js';
import { renderMask } from './mask-render.js';
import { jobView } from './job-view.js';
import { QueueRepository, queueNameFor } from './queue.repository.js';
import { ASSET_STORAGE, PROVIDER_REGISTRY } from './tokens.js';
import { FreeAllowanceRepository } from './free-allowance.repository.js';
import { JobEventsRepository } from './job-events.repository.js';
import { WorkspacesService } from '../collab/workspaces.service.js';

export interface Submitter {
  organizationId: string;
  userId: string;
  apiKeyId: string | null;
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Submitting, reading and cancelling generation jobs. */
@Injectable()
export class JobsService {
  constructor(
    @Inject(EntityManager) private readonly em: EntityManager,
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(ProjectsService) private readonly projects: ProjectsService,
    @Inject(PreflightService) private readonly pricing: PreflightService,
    @Inject(FreeAllowanceRepository) private readonly freeAllowances: FreeAllowanceRepository,
    @Inject(JobEventsRepository) private readonly events: JobEventsRepository,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(WorkspacesService) private readonly workspaces: WorkspacesService,
  ) {}

  /**
   * Validates and prices the request, then in ONE transaction creates the job, places its hold
   * (pool, member budget, project budget) and enqueues it. A refused hold rolls everything back.
   */
  async submit(submitter: Submitter, submitted: SubmitJobRequest, idempotencyKey: string | undefined): Promise<{ view: SubmittedJobView; replayed: boolean }> {
    const { organizationId, userId } = submitter;
    const fingerprint = sha256(JSON.stringify(submitted));
    if (idempotencyKey !== undefined) {
      const existing = await this.findByIdempotencyKey(organizationId, userId, idempotencyKey, fingerprint);
      if (existing !== undefined) return { view: existing, replayed: true };
    }
    // With a workspace, its collaborative document's prompt, settings and mask win (collab/README.md).
    const body = await this.workspaces.applyToSubmit(organizationId, submitted);
    const request: Record<string, unknown> = { ...body.request };
    const operation = request.operation;
    const source = await this.sourceOf(organizationId, body, request);
    if (body.projectId !== undefined) {
      await this.projects.find(organizationId, body.projectId);
    }
    const jobId = crypto.randomUUID();
    let maskKey: string | null = null;
    if (operation === 'inpaint') {
      if (body.maskStrokes === undefined || body.maskStrokes.length === 0 || source === undefined) {
        throw invalid('maskStrokes', 'Inpainting needs a mask: paint the area to change.');
      }
      const mask = await renderMask(body.maskStrokes, source.width, source.height);
      if (mask.coverage === 0) {
        throw invalid('maskStrokes', 'The mask covers nothing: paint the area to change.');
      }
      request.mask = { coverage: mask.coverage };
      maskKey = `orgs/${organizationId}/masks/${jobId}.png`;
      await this.storage.put(maskKey, mask.png, 'image/png');
    }

    const catalog = this.pricing.catalogFor(organizationId);
    const usage = await this.freeAllowances.usage(organizationId, catalog);
    const result = estimate(request, catalog, usage);
    if (!result.ok) {
      this.pricing.price(organizationId, request); // throws the 400 naming the field
    }
    const priced = result as EstimateSuccess;
    const membership = await this.em.findOneOrFail(Membership, { organization: organizationId, user: userId }, { populate: ['organization'] });
    const allowedModels = membership.allowedModels ?? null;
    if (allowedModels !== null && !allowedModels.includes(priced.modelId)) {
      throw new ApiError(HttpStatus.FORBIDDEN, {
        code: 'model_not_allowed',
        message: `Your budget does not include ${priced.modelId}. Pick one of: ${allowedModels.join(', ') || 'none (ask a manager)'}.`,
        field: 'request.model',
        allowedModels,
      });
    }
    const provider = this.providers.providerFor(priced.modelId, priced.provider, priced.operation);
    if (provider === undefined) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'model_unavailable',
        message: `${priced.modelId} is not available on this server for ${priced.operation}: no configured provider runs it. Pick another model.`,
        field: 'request.model',
      });
    }
    const variations = priced.lineItems.reduce((sum, item) => sum + item.quantity, 0);
    // Free units cover the first images; every paid image costs the same whole unit price.
    const paidImages = variations - (priced.freeUnits?.units ?? 0);
    const unitCredits = paidImages > 0 ? priced.credits / paidImages : 0;
    if (!Number.isInteger(unitCredits)) {
      throw new Error(`price ${String(priced.credits)} is not a whole multiple of ${String(paidImages)} paid images`);
    }
    const seed = body.seed ?? Math.floor(Math.random() * 4_294_967_295);
    // Spread over the member's concurrency slots (one named queue each) by the job id, uniformly.
    const slot = Number.parseInt(jobId.slice(0, 8), 16) % Math.max(1, membership.organization.maxConcurrentJobsPerMember);

    try {
      const hold = await this.postgres.transaction(async (client) => {
        await insertJob(client, {
          id: jobId,
          organizationId,
          projectId: body.projectId ?? null,
          authorId: userId,
          apiKeyId: submitter.apiKeyId,
          workspaceId: body.workspaceId ?? null,
          operation: priced.operation,
          modelId: priced.modelId,
          provider: provider.id,
          request,
          prompt: body.prompt,
          negativePrompt: body.negativePrompt ?? null,
          searchPrompt: body.searchPrompt ?? null,
          seed,
          variations,
          unitCredits,
          priceCredits: priced.credits,
          catalogId: priced.catalogId,
          catalogVersion: priced.catalogVersion,
          lineItems: priced.lineItems,
          sourceAssetId: body.sourceAssetId ?? null,
          parentAssetId: body.parentAssetId ?? null,
          maskKey,
          freeAllowanceId: priced.freeUnits?.allowanceId ?? null,
          freeUnits: priced.freeUnits?.units ?? 0,
          idempotencyKey: idempotencyKey ?? null,
          requestFingerprint: fingerprint,
        });
        if (priced.freeUnits !== undefined) {
          await this.freeAllowances.spend(client, organizationId, priced.freeUnits);
        }
        await this.queue.enqueue(client, {
          jobId,
          provider: provider.id,
          queueName: queueNameFor(organizationId, userId, slot),
          payload: { jobId },
        });
        // Last: the hold locks the org's pool row until COMMIT, so it is held for as short as possible.
        const placed = await this.ledger.ledger.holdInTransaction(client, {
          holdId: jobId,
          orgId: organizationId,
          memberId: userId,
          projectId: body.projectId ?? null,
          amountCredits: BigInt(priced.credits),
          ttlMs: this.config.jobs.queuedHoldTtlMs,
          reference: { jobId },
          actorId: userId,
          reason: `${priced.operation} with ${priced.modelId}`,
        });
        if (!placed.ok) {
          throw new HoldRefused(placed);
        }
        return placed;
      });
      const member = await this.ledger.memberBudget(organizationId, userId);
      const view = await this.get(organizationId, jobId);
      this.events.balanceChanged(organizationId, hold.balance);
      this.events.memberSpendChanged(organizationId, userId);
      this.events.jobChanged(view);
      return {
        replayed: false,
        view: {
          job: view,
          balances: {
            pool: {
              availableCredits: Number(hold.balance.availableCredits),
              pendingCredits: Number(hold.balance.pendingCredits),
              version: String(hold.balance.balanceVersion),
            },
            member: { remainingCredits: member.remainingCredits, pendingCredits: member.pendingCredits },
          },
        },
      };
    } catch (error) {
      if (maskKey !== null) await this.storage.delete(maskKey).catch(() => undefined);
      if (error instanceof HoldRefused) throw holdError(error.rejection, priced);
      if (idempotencyKey !== undefined && isUniqueViolation(error)) {
        // A concurrent retry with the same key won the race: answer with its job.
        const existing = await this.findByIdempotencyKey(organizationId, userId, idempotencyKey, fingerprint);
        if (existing !== undefined) return { view: existing, replayed: true };
      }
      throw error;
    }
  }

  async get(organizationId: string, jobId: string): Promise<JobView> {
    const job = await this.em.fork().findOne(Job, { id: jobId, organization: organizationId });
    if (job === null) throw notFound('The job');
    return this.view(job);
  }

  async list(organizationId: string, filter: { authorId?: string; status?: string; limit: number }): Promise<JobView[]> {
    const jobs = await this.em.fork().find(
      Job,
      { organization: organizationId, ...(filter.authorId === undefined ? {} : { author: filter.authorId }), ...(filter.status === undefined ? {} : { status: filter.status }) },
      { orderBy: { createdAt: 'desc' }, limit: filter.limit },
    );
    return Promise.all(jobs.map((job) => this.view(job)));
  }

  /**
   * Cancels a job of the caller (or any job, for a manager). A queued job is cancelled and its
   * hold voided at once; a running one is asked to stop, and its runner voids the hold.
   */
  async cancel(organizationId: string, jobId: string, userId: string, isManager: boolean): Promise<JobView> {
    const job = await this.em.fork().findOne(Job, { id: jobId, organization: organizationId });
    if (job === null || (!isManager && job.author.id !== userId)) throw notFound('The job');
    if (FINISHED.has(job.status)) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'conflict', message: `The job has already ${job.status === 'cancelled' ? 'been cancelled' : job.status}.`, status: job.status });
    }
    const cancelledQueued = await this.postgres.pool.query(
      `update jobs set status = 'cancelled', cancel_requested_at = now(), finished_at = now(), error_code = 'cancelled', error_message = 'Cancelled before it started; the credits were released.'
       where id = $1 and status = 'queued'`,
      [jobId],
    );
    if (cancelledQueued.rowCount === 1) {
      await this.queue.remove(jobId);
      const voided = await this.ledger.ledger.void({ holdId: jobId, reason: 'cancelled before start', actorId: userId });
      if (voided.ok) this.events.balanceChanged(organizationId, voided.balance);
    } else {
      await this.postgres.pool.query(`update jobs set cancel_requested_at = now() where id = $1 and status = 'running'`, [jobId]);
    }
    const view = await this.get(organizationId, jobId);
    this.events.jobChanged(view);
    return view;
  }

  private async view(job: Job): Promise<JobView> {
    const assets = await this.em.fork().find(Asset, { job: job.id }, { fields: ['id'], orderBy: { imageIndex: 'asc' } });
    let position: number | null = null;
    if (job.status === 'queued') {
      const ahead = await this.postgres.pool.query<{ count: string }>(
        `select count(*) from jobs where status = 'queued' and provider = $1 and created_at < $2`,
        [job.provider, job.createdAt],
      );
      position = Number(ahead.rows[0]?.count ?? 0) + 1;
    }
    return jobView(job, assets.map((asset) => asset.id), position);
  }

  private async findByIdempotencyKey(organizationId: string, userId: string, key: string, fingerprint: string): Promise<SubmittedJobView | undefined> {
    const job = await this.em.fork().findOne(Job, { organization: organizationId, author: userId, idempotencyKey: key });
    if (job === null) return undefined;
    if (job.requestFingerprint !== fingerprint) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'id_conflict',
        message: 'This Idempotency-Key was already used for a different request. Use a new key for a new job.',
        field: 'Idempotency-Key',
      });
    }
    const [pool, member] = await Promise.all([this.ledger.poolBalance(organizationId), this.ledger.memberBudget(organizationId, userId)]);
    return {
      job: await this.view(job),
      balances: {
        pool: { availableCredits: pool.availableCredits, pendingCredits: pool.pendingCredits, version: pool.version },
        member: { remainingCredits: member.remainingCredits, pendingCredits: member.pendingCredits },
      },
    };
  }

  /** The source image of an edit: it must be this org's, and its size is the request's size. */
  private async sourceOf(organizationId: string, body: SubmitJobRequest, request: Record<string, unknown>): Promise<Asset | undefined> {
    const operation = request.operation as Operation | undefined;
    if (body.sourceAssetId === undefined) {
      if (operation !== undefined && operation !== 'text-to-image' && typeof operation === 'string') {
        throw invalid('sourceAssetId', `${operation} works on an image: choose one from the gallery.`);
      }
      return undefined;
    }
    const source = await this.em.fork().findOne(Asset, { id: body.sourceAssetId, organization: organizationId });
    if (source === null) throw invalid('sourceAssetId', 'No such image in this organization.');
    for (const [field, actual] of [['width', source.width], ['height', source.height]] as const) {
      if (request[field] === undefined) request[field] = actual;
      else if (request[field] !== actual) throw invalid(`request.${field}`, `must be the source image's ${field} (${String(actual)})`);
    }
    return source;
  }
}

class HoldRefused extends Error {
  constructor(readonly rejection: HoldRejection) {
    super(rejection.code);
  }
}

function invalid(field: string, message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `${field}: ${message}`, field });
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

/** 402 with the binding limit's code and figures, and what to do about it. */
function holdError(rejection: HoldRejection, priced: EstimateSuccess): ApiError {
  const hint = 'Reduce the cost (a smaller size, fewer steps or images, a cheaper model)';
  switch (rejection.code) {
    case 'deficit_outstanding':
      return new ApiError(HttpStatus.PAYMENT_REQUIRED, {
        code: 'deficit_outstanding',
        message: `A refund or dispute took back ${String(rejection.figures.deficitCredits)} credits that were already spent. New generations are paused until an owner adds credits (they pay the deficit off first).`,
        deficitCredits: Number(rejection.figures.deficitCredits),
      });
    case 'insufficient_credits':
      return new ApiError(HttpStatus.PAYMENT_REQUIRED, {
        code: 'insufficient_credits',
        message: `The team pool has ${String(rejection.figures.availableCredits)} credits available; this costs ${String(priced.credits)}. ${hint}, or ask an owner to buy credits.`,
        availableCredits: Number(rejection.figures.availableCredits),
        requestedCredits: Number(rejection.figures.requestedCredits),
      });
    case 'budget_exceeded':
    case 'project_budget_exceeded': {
      const figures = rejection.figures;
      const whose = rejection.code === 'budget_exceeded' ? 'your budget' : "the project's budget";
      return new ApiError(HttpStatus.PAYMENT_REQUIRED, {
        code: rejection.code,
        message: `This costs ${String(priced.credits)} credits and ${whose} has ${String(figures.remainingCredits)} left${figures.periodEnd === null ? '' : ` until ${figures.periodEnd.toISOString()}`}. ${hint}, or ask a manager to raise the limit.`,
        limitCredits: Number(figures.limitCredits),
        spentCredits: Number(figures.spentCredits),
        pendingCredits: Number(figures.pendingCredits),
        remainingCredits: Number(figures.remainingCredits),
        requestedCredits: Number(figures.requestedCredits),
        resetsAt: figures.periodEnd?.toISOString() ?? null,
      });
    }
    default:
      return new ApiError(HttpStatus.CONFLICT, { code: rejection.code, message: `The hold was refused: ${rejection.code}` });
  }
}

interface JobRow {
  id: string;
  organizationId: string;
  projectId: string | null;
  authorId: string;
  apiKeyId: string | null;
  workspaceId: string | null;
  operation: string;
  modelId: string;
  provider: string;
  request: Record<string, unknown>;
  prompt: string;
  negativePrompt: string | null;
  searchPrompt: string | null;
  seed: number;
  variations: number;
  unitCredits: number;
  priceCredits: number;
  catalogId: string;
  catalogVersion: number;
  lineItems: readonly unknown[];
  sourceAssetId: string | null;
  parentAssetId: string | null;
  maskKey: string | null;
  freeAllowanceId: string | null;
  freeUnits: number;
  idempotencyKey: string | null;
  requestFingerprint: string;
}

async function insertJob(client: pg.ClientBase, row: JobRow): Promise<void> {
  await client.query(
    `insert into jobs (id, organization_id, project_id, author_id, api_key_id, workspace_id, status, operation, model_id, provider,
       request, prompt, negative_prompt, search_prompt, seed, variations, unit_credits, price_credits, catalog_id, catalog_version,
       line_items, source_asset_id, parent_asset_id, mask_key, free_allowance_id, free_units, idempotency_key, request_fingerprint)
     values ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10::jsonb, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20::jsonb, $21, $22, $23, $24, $25, $26, $27)`,
    [
      row.id, row.organizationId, row.projectId, row.authorId, row.apiKeyId, row.workspaceId, row.operation, row.modelId, row.provider,
      JSON.stringify(row.request), row.prompt, row.negativePrompt, row.searchPrompt, row.seed, row.variations, row.unitCredits,
      row.priceCredits, row.catalogId, row.catalogVersion, JSON.stringify(row.lineItems), row.sourceAssetId, row.parentAssetId,
      row.maskKey, row.freeAllowanceId, row.freeUnits, row.idempotencyKey, row.requestFingerprint,
    ],
  );
}
