import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { creditRefusal, operationLabel, refusalStatus, type Catalog, type EstimateError, type EstimateSuccess, type Refusal } from '@atelier/pricing';
import type { HoldRejection } from '@atelier/ledger';
import type { JobView, SubmitJobRequest, SubmittedJobView } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { sha256 } from '../common/crypto.js';
import { Asset, Job } from '../database/entities/index.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { ProjectsService } from '../orgs/projects.service.js';
import { notFound } from '../orgs/organization.guard.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { AssetStorage } from '../storage/storage.js';
import { jobView } from './job-view.js';
import { QueueRepository, queueNameFor } from './queue.repository.js';
import { ASSET_STORAGE, PROVIDER_REGISTRY } from './tokens.js';
import { FreeAllowanceRepository } from './free-allowance.repository.js';
import { JobEventsRepository } from './job-events.repository.js';
import { JobPreparationService, type PreparedJob } from './job-preparation.service.js';
import { PricingContextService } from '../pricing/pricing-context.service.js';

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
    @Inject(JobPreparationService) private readonly preparation: JobPreparationService,
    @Inject(PricingContextService) private readonly pricing: PricingContextService,
    @Inject(FreeAllowanceRepository) private readonly freeAllowances: FreeAllowanceRepository,
    @Inject(JobEventsRepository) private readonly events: JobEventsRepository,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Prepares and judges the request (JobPreparationService: the same builder and judge as the
   * browser and preflight), then in ONE transaction creates the job, places its hold (pool, member
   * budget, project budget) and enqueues it. A refused hold rolls everything back. A job wholly
   * covered by a free allowance costs 0 and places no hold.
   */
  async submit(submitter: Submitter, submitted: SubmitJobRequest, idempotencyKey: string | undefined): Promise<{ view: SubmittedJobView; replayed: boolean }> {
    const { organizationId, userId } = submitter;
    // By meaning, not by text: the same body with its keys in another order is a replay.
    const fingerprint = sha256(canonicalJson(submitted));
    if (idempotencyKey !== undefined) {
      const existing = await this.findByIdempotencyKey(organizationId, userId, idempotencyKey, fingerprint);
      if (existing !== undefined) return { view: existing, replayed: true };
    }
    const prepared = await this.preparation.prepare(organizationId, userId, submitted, { checkInputs: true });
    const priced = allowedEstimate(prepared);
    const { body, request, context } = prepared;
    if (body.projectId !== undefined) {
      await this.projects.find(organizationId, body.projectId);
    }
    const jobId = crypto.randomUUID();
    // Recorded as priced: the default step count and variations too.
    const recorded: Record<string, unknown> = { ...request, ...(priced.steps === undefined ? {} : { steps: priced.steps }) };
    const provider = this.providers.providerFor(priced.modelId, priced.provider, priced.operation);
    if (provider === undefined) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'model_unavailable',
        message: `${context.catalog.models.find((model) => model.id === priced.modelId)?.name ?? priced.modelId} is not available on this server for ${operationLabel(priced.operation).toLowerCase()}: no configured provider runs it. Pick another model.`,
        field: 'request.model',
      });
    }
    const maskKey = prepared.mask === undefined ? null : `orgs/${organizationId}/masks/${jobId}.png`;
    if (maskKey !== null && prepared.mask !== undefined) await this.storage.put(maskKey, prepared.mask.png, 'image/png');
    const variations = priced.lineItems.reduce((sum, item) => sum + item.quantity, 0);
    // Free units cover the first images; every paid image costs the same whole unit price.
    const paidImages = variations - (priced.freeUnits?.units ?? 0);
    const unitCredits = paidImages > 0 ? priced.credits / paidImages : 0;
    if (!Number.isInteger(unitCredits)) {
      throw new Error(`price ${String(priced.credits)} is not a whole multiple of ${String(paidImages)} paid images`);
    }
    const seed = body.seed ?? Math.floor(Math.random() * 4_294_967_295);
    // Spread over the member's concurrency slots (one named queue each) by the job id, uniformly.
    const slot = Number.parseInt(jobId.slice(0, 8), 16) % Math.max(1, prepared.maxConcurrentJobsPerMember);

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
          request: recorded,
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
          sourceAssetId: prepared.source?.id ?? null,
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
        // Wholly free: no hold (a hold of 0 credits is meaningless, and the ledger refuses one).
        if (priced.credits === 0) return undefined;
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
      const [member, pool] = await Promise.all([
        this.ledger.memberBudget(organizationId, userId),
        hold === undefined ? this.ledger.poolBalance(organizationId) : Promise.resolve(undefined),
      ]);
      const view = await this.get(organizationId, jobId);
      if (hold !== undefined) {
        this.events.balanceChanged(organizationId, hold.balance);
        this.events.memberSpendChanged(organizationId, userId);
      }
      if (priced.freeUnits !== undefined) await this.announceFreeUsage(organizationId, context.catalog);
      this.events.jobChanged(view);
      return {
        replayed: false,
        view: {
          job: view,
          balances: {
            pool:
              hold === undefined
                ? { availableCredits: pool?.availableCredits ?? 0, pendingCredits: pool?.pendingCredits ?? 0, version: pool?.version ?? '0' }
                : {
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
      if (error instanceof HoldRefused) throw holdError(error.rejection, priced, context.catalog);
      if (idempotencyKey !== undefined && isUniqueViolation(error)) {
        // A concurrent retry with the same key won the race: answer with its job.
        const existing = await this.findByIdempotencyKey(organizationId, userId, idempotencyKey, fingerprint);
        if (existing !== undefined) return { view: existing, replayed: true };
      }
      throw error;
    }
  }

  /** Tells the org's open pages the free-tier units used now, so their cost line prices with them. */
  async announceFreeUsage(organizationId: string, catalog?: Catalog): Promise<void> {
    const usage = await this.freeAllowances.usage(organizationId, catalog ?? (await this.pricing.contextFor(organizationId)).catalog);
    this.events.freeUsageChanged(organizationId, usage.freeUnitsUsed ?? {});
  }

  /** Free-tier units the org has used this period, per allowance (the realtime snapshot's). */
  async freeUnitsUsed(organizationId: string): Promise<Record<string, number>> {
    const { catalog } = await this.pricing.contextFor(organizationId);
    return (await this.freeAllowances.usage(organizationId, catalog)).freeUnitsUsed ?? {};
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

}

class HoldRefused extends Error {
  constructor(readonly rejection: HoldRejection) {
    super(rejection.code);
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

/** A refusal as an API error: its status, code, field and figures, with the judge's words. */
const statuses = { 400: HttpStatus.BAD_REQUEST, 402: HttpStatus.PAYMENT_REQUIRED, 403: HttpStatus.FORBIDDEN, 409: HttpStatus.CONFLICT } as const;

function refusalError(refusal: Refusal): ApiError {
  return new ApiError(statuses[refusalStatus(refusal.code)], {
    code: refusal.code,
    message: refusal.field === undefined || refusal.code !== 'invalid_request' ? refusal.message : `${refusal.field}: ${refusal.message}`,
    ...(refusal.field === undefined ? {} : { field: refusal.field }),
    ...refusal.figures,
  });
}

/** The price of a prepared job the judge allows; otherwise the first refusal as a 4xx. */
export function allowedEstimate(prepared: PreparedJob): EstimateSuccess {
  const { judgement } = prepared;
  if (!judgement.estimate.ok) throw pricingError(judgement.estimate.errors);
  const first = judgement.refusals[0];
  if (first !== undefined) throw refusalError(first);
  return judgement.estimate;
}

/** 400 naming the first field of the request that cannot be priced, with every issue. */
export function pricingError(errors: readonly EstimateError[]): ApiError {
  const first = errors[0];
  const field = first === undefined ? 'request' : `request.${first.field}`;
  return new ApiError(HttpStatus.BAD_REQUEST, {
    code: 'invalid_request',
    message: first === undefined ? 'The generation request is not valid' : `${field}: ${first.message}`,
    field,
    allowed: first?.allowed,
    issues: errors.map((error) => ({ field: `request.${error.field}`, message: error.message, allowed: error.allowed })),
  });
}

/** 402 with the binding limit's code and figures, in the judge's words. */
function holdError(rejection: HoldRejection, priced: EstimateSuccess, catalog: Catalog): ApiError {
  const cost = priced.credits;
  switch (rejection.code) {
    case 'deficit_outstanding':
      return refusalError(creditRefusal({ code: 'deficit_outstanding', deficitCredits: Number(rejection.figures.deficitCredits) }, cost, catalog));
    case 'insufficient_credits':
      return refusalError(creditRefusal({ code: 'insufficient_credits', availableCredits: Number(rejection.figures.availableCredits) }, cost, catalog));
    case 'budget_exceeded':
    case 'project_budget_exceeded': {
      const figures = rejection.figures;
      const refusal = creditRefusal(
        { code: rejection.code, remainingCredits: Number(figures.remainingCredits), resetsAt: figures.periodEnd?.toISOString() ?? null },
        cost,
        catalog,
      );
      return new ApiError(HttpStatus.PAYMENT_REQUIRED, {
        code: rejection.code,
        message: refusal.message,
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

/** JSON with object keys sorted at every depth: equal for bodies that mean the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
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
