import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { creditRefusal, operationLabel, refusalStatus, type Catalog, type EstimateError, type EstimateSuccess, type Refusal } from '@atelier/pricing';
import { submitJobRequest, type BulkSubmitItemError, type BulkSubmitItemResult, type BulkSubmitView, type JobView, type SubmitJobRequest, type SubmittedJobView } from '@atelier/contracts';
import type { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { sha256 } from '../common/crypto.js';
import { EventBus } from '../events/event-bus.js';
import { LedgerRepository, type HoldRefusal } from '../repositories/ledger.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { ProjectsService } from '../orgs/projects.service.js';
import { notFound } from '../orgs/organization.guard.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { ImageProvider } from '../providers/provider.js';
import type { AssetStorage } from '../storage/storage.js';
import { QueueRepository, queueNameFor } from '../queue/queue.repository.js';
import { ASSET_STORAGE, PROVIDER_REGISTRY } from '../repositories/tokens.js';
import { FreeAllowanceRepository } from './free-allowance.repository.js';
import { JobEndingService } from './job-ending.service.js';
import { JobPreparationService, type PreparedJob } from './job-preparation.service.js';
import { JobViews } from './job-view.js';
import { JobPlacer } from './job-placer.service.js';
import { JobsRepository, type JobRecord, type NewJob } from './jobs.repository.js';
import { PricingContextService } from '../pricing/pricing-context.service.js';
import type { BalanceChanged } from '../events/app-events.js';

export interface Submitter {
  organizationId: string;
  userId: string;
  apiKeyId: string | null;
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** A job ready to place: its row, its price and the queue it waits in. */
interface Placement {
  job: NewJob;
  priced: EstimateSuccess;
  queueName: string;
  /** The member's other queues, in the order to try when `queueName` is busy. */
  otherQueueNames: string[];
  maskPng: Buffer | undefined;
}

/** Submitting, reading and cancelling generation jobs. */
@Injectable()
export class JobsService {
  constructor(
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(JobsRepository) private readonly jobs: JobsRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(QueueRepository) private readonly queue: QueueRepository,
    @Inject(ProjectsService) private readonly projects: ProjectsService,
    @Inject(JobPreparationService) private readonly preparation: JobPreparationService,
    @Inject(JobPlacer) private readonly placer: JobPlacer,
    @Inject(PricingContextService) private readonly pricing: PricingContextService,
    @Inject(FreeAllowanceRepository) private readonly freeAllowances: FreeAllowanceRepository,
    @Inject(JobEndingService) private readonly endings: JobEndingService,
    @Inject(JobViews) private readonly views: JobViews,
    @Inject(EventBus) private readonly events: EventBus,
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
    const ready = await this.ready(submitter, submitted, idempotencyKey);
    return 'view' in ready ? ready : this.commit(submitter, ready, idempotencyKey);
  }

  /**
   * Up to `jobLimits.bulkJobs` submits in one request, each answered on its own (status, job or
   * error with its field). Every item is checked and priced in parallel; the valid ones are then
   * held in their order, in the same batches, so each is held when it still fits after the ones
   * before it (with equal prices: the longest affordable prefix). With an Idempotency-Key, item i
   * uses `key#i`: a retry of the whole request replays every item.
   */
  async submitMany(submitter: Submitter, items: readonly unknown[], idempotencyKey: string | undefined): Promise<BulkSubmitView> {
    const keyOf = (index: number): string | undefined => (idempotencyKey === undefined ? undefined : `${idempotencyKey}#${String(index)}`);
    const readied = await Promise.all(
      items.map((item, index) => {
        const parsed = submitJobRequest.safeParse(item);
        return settled(parsed.success ? this.ready(submitter, parsed.data, keyOf(index)) : Promise.reject(invalidItem(parsed.error)));
      }),
    );
    // Committed in item order: each call reaches the ledger's batch queue before the next starts.
    const outcomes = await Promise.all(
      readied.map((item, index) => {
        if (!item.ok) return Promise.resolve(item);
        return settled('view' in item.value ? Promise.resolve(item.value) : this.commit(submitter, item.value, keyOf(index)));
      }),
    );
    const results = outcomes.map((outcome, index): BulkSubmitItemResult => {
      if (outcome.ok) return { index, ok: true, status: outcome.value.replayed ? 200 : 201, replayed: outcome.value.replayed, job: outcome.value.view.job };
      if (!(outcome.error instanceof ApiError)) throw outcome.error;
      return { index, ok: false, status: outcome.error.getStatus(), error: outcome.error.getResponse() as BulkSubmitItemError };
    });
    return { results, heldCredits: sumHeld(results), balances: await this.latestBalances(submitter, outcomes) };
  }

  /** The newest balances any item answered with, or the ledger's now when none was placed. */
  private async latestBalances(submitter: Submitter, outcomes: readonly Settled<{ view: SubmittedJobView }>[]): Promise<SubmittedJobView['balances']> {
    let latest: SubmittedJobView['balances'] | undefined;
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      const balances = outcome.value.view.balances;
      if (latest === undefined || BigInt(balances.pool.version) > BigInt(latest.pool.version)) latest = balances;
    }
    if (latest !== undefined) return latest;
    const [pool, member] = await Promise.all([this.ledger.poolBalance(submitter.organizationId), this.ledger.memberBudget(submitter.organizationId, submitter.userId)]);
    return {
      pool: { availableCredits: pool.availableCredits, pendingCredits: pool.pendingCredits, version: pool.version },
      member: { remainingCredits: member.remainingCredits, pendingCredits: member.pendingCredits },
    };
  }

  /** A submit checked, priced and routed, ready to place; or the job an Idempotency-Key already placed. */
  private async ready(
    submitter: Submitter,
    submitted: SubmitJobRequest,
    idempotencyKey: string | undefined,
  ): Promise<{ view: SubmittedJobView; replayed: true } | { placement: Placement; catalog: Catalog; fingerprint: string }> {
    // By meaning, not by text: the same body with its keys in another order is a replay.
    const fingerprint = sha256(canonicalJson(submitted));
    const replay = idempotencyKey === undefined ? undefined : await this.replay(submitter, idempotencyKey, fingerprint);
    if (replay !== undefined) return { view: replay, replayed: true };
    const prepared = await this.preparation.prepare(submitter.organizationId, submitter.userId, submitted, { checkInputs: true });
    const placement = await this.placementFor(submitter, prepared, idempotencyKey ?? null, fingerprint);
    return { placement, catalog: prepared.context.catalog, fingerprint };
  }

  /** Places a ready submit: a paid one in the ledger's batches, a free one in its own transaction. */
  private async commit(
    submitter: Submitter,
    { placement, catalog, fingerprint }: { placement: Placement; catalog: Catalog; fingerprint: string },
    idempotencyKey: string | undefined,
  ): Promise<{ view: SubmittedJobView; replayed: boolean }> {
    try {
      if (placement.priced.freeUnits === undefined && placement.priced.credits > 0) return { view: await this.placePaid(placement, catalog), replayed: false };
      const balance = await this.place(placement);
      return { view: await this.placed(placement, balance, catalog), replayed: false };
    } catch (error) {
      if (placement.job.maskKey !== null) await this.storage.delete(placement.job.maskKey).catch(() => undefined);
      if (error instanceof HoldRefused) throw holdError(error.refusal, placement.priced, catalog);
      // A concurrent retry with the same key won the race: answer with its job.
      const raced = idempotencyKey !== undefined && isUniqueViolation(error) ? await this.replay(submitter, idempotencyKey, fingerprint) : undefined;
      if (raced !== undefined) return { view: raced, replayed: true };
      throw error;
    }
  }

  /** The job's row, priced and routed, and its queue: everything submit writes, checked first. */
  private async placementFor(submitter: Submitter, prepared: PreparedJob, idempotencyKey: string | null, fingerprint: string): Promise<Placement> {
    const { organizationId, userId } = submitter;
    const priced = allowedEstimate(prepared);
    const { body, request } = prepared;
    if (body.projectId !== undefined) await this.projects.find(organizationId, body.projectId);
    const provider = this.providerFor(priced, prepared.context.catalog);
    const id = crypto.randomUUID();
    const variations = priced.lineItems.reduce((sum, item) => sum + item.quantity, 0);
    // Spread over the member's concurrency slots (one named queue each) by the job id, uniformly.
    const slot = Number.parseInt(id.slice(0, 8), 16) % Math.max(1, prepared.maxConcurrentJobsPerMember);
    const job: NewJob = {
      id,
      organizationId,
      projectId: body.projectId ?? null,
      authorId: userId,
      apiKeyId: submitter.apiKeyId,
      workspaceId: body.workspaceId ?? null,
      operation: priced.operation,
      modelId: priced.modelId,
      provider: provider.id,
      // Recorded as priced: the default step count and variations too.
      request: { ...request, ...(priced.steps === undefined ? {} : { steps: priced.steps }) } as NewJob['request'],
      prompt: body.prompt,
      negativePrompt: body.negativePrompt ?? null,
      searchPrompt: body.searchPrompt ?? null,
      seed: body.seed ?? Math.floor(Math.random() * 4_294_967_295),
      variations,
      unitCredits: unitCredits(priced, variations),
      priceCredits: priced.credits,
      catalogId: priced.catalogId,
      catalogVersion: priced.catalogVersion,
      lineItems: priced.lineItems,
      sourceAssetId: prepared.source?.id ?? null,
      parentAssetId: body.parentAssetId ?? null,
      maskKey: prepared.mask === undefined ? null : `orgs/${organizationId}/masks/${id}.png`,
      freeAllowanceId: priced.freeUnits?.allowanceId ?? null,
      freeUnits: priced.freeUnits?.units ?? 0,
      idempotencyKey,
      requestFingerprint: fingerprint,
    };
    const slots = Math.max(1, prepared.maxConcurrentJobsPerMember);
    const otherQueueNames = Array.from({ length: slots - 1 }, (_, step) => queueNameFor(organizationId, userId, (slot + step + 1) % slots));
    return { job, priced, queueName: queueNameFor(organizationId, userId, slot), otherQueueNames, maskPng: prepared.mask?.png };
  }

  private providerFor(priced: EstimateSuccess, catalog: Catalog): ImageProvider {
    const provider = this.providers.providerFor(priced.modelId, priced.provider, priced.operation);
    if (provider !== undefined) return provider;
    throw new ApiError(HttpStatus.CONFLICT, {
      code: 'model_unavailable',
      message: `${catalog.models.find((model) => model.id === priced.modelId)?.name ?? priced.modelId} is not available on this server for ${operationLabel(priced.operation)}: no configured provider runs it. Pick another model.`,
      field: 'request.model',
    });
  }

  /**
   * The job's row, its free units, its queue entry and its hold, in one transaction: a refused
   * hold rolls all of it back. Returns the pool's balance after the hold (none for a free job).
   */
  private async place({ job, priced, queueName, maskPng }: Placement): Promise<BalanceChanged | undefined> {
    if (job.maskKey !== null && maskPng !== undefined) await this.storage.put(job.maskKey, maskPng, 'image/png');
    return this.postgres.transaction(async (client) => {
      const priority = await this.jobs.insert(client, job);
      if (priced.freeUnits !== undefined) await this.freeAllowances.spend(client, job.organizationId, priced.freeUnits);
      await this.queue.enqueue(client, { jobId: job.id, organizationId: job.organizationId, provider: job.provider, queueName, priority });
      // Wholly free: no hold (a hold of 0 credits is meaningless, and the ledger refuses one).
      if (priced.credits === 0) return undefined;
      // Last: the hold locks the org's pool row until COMMIT, so it is held for as short as possible.
      const held = await this.ledger.holdForJob(client, {
        jobId: job.id,
        organizationId: job.organizationId,
        memberId: job.authorId,
        projectId: job.projectId,
        credits: priced.credits,
        ttlMs: this.config.jobs.queuedHoldTtlMs,
        reason: `${priced.operation} with ${priced.modelId}`,
      });
      if (!held.ok) throw new HoldRefused(held.refusal);
      return held.balance;
    });
  }

  /**
   * A paid job without free units: placed in a batch with the submits arriving at the same time
   * (JobPlacer: one transaction, one pool lock), answered from what the batch wrote and the
   * ledger's balances right after its hold, with no read after the commit.
   */
  private async placePaid(placement: Placement, catalog: Catalog): Promise<SubmittedJobView> {
    const { job, priced, queueName, otherQueueNames, maskPng } = placement;
    if (job.maskKey !== null && maskPng !== undefined) await this.storage.put(job.maskKey, maskPng, 'image/png');
    const placed = await this.placer.placePaid({ job, credits: priced.credits, queueName, otherQueueNames, reason: `${priced.operation} with ${priced.modelId}` });
    if (!placed.ok) throw holdError(placed.refusal, priced, catalog);
    const { organizationId, authorId } = job;
    this.events.publish('balance.changed', placed.balance);
    this.events.publish('member-spend.changed', { organizationId, memberId: authorId, ...(placed.member.limitCredits === null ? { unlimited: true as const } : {}) });
    this.events.publish('job.changed', { organizationId, job: placed.view });
    const pool = placed.balance;
    return {
      job: placed.view,
      balances: {
        pool: { availableCredits: pool.availableCredits, pendingCredits: pool.pendingCredits, version: pool.version },
        member: { remainingCredits: placed.member.remainingCredits, pendingCredits: placed.member.pendingCredits },
      },
    };
  }

  /** Announces a placed job and answers with it and the balances it moved. */
  private async placed(placement: Placement, balance: BalanceChanged | undefined, catalog: Catalog): Promise<SubmittedJobView> {
    const { organizationId, authorId } = placement.job;
    const [member, pool, view] = await Promise.all([
      this.ledger.memberBudget(organizationId, authorId),
      balance ?? this.ledger.poolBalance(organizationId),
      this.views.get(organizationId, placement.job.id),
    ]);
    if (balance !== undefined) {
      this.events.publish('balance.changed', balance);
      this.events.publish('member-spend.changed', { organizationId, memberId: authorId });
    }
    if (placement.priced.freeUnits !== undefined) await this.announceFreeUsage(organizationId, catalog);
    this.events.publish('job.changed', { organizationId, job: view });
    return {
      job: view,
      balances: {
        pool: { availableCredits: pool.availableCredits, pendingCredits: pool.pendingCredits, version: pool.version },
        member: { remainingCredits: member.remainingCredits, pendingCredits: member.pendingCredits },
      },
    };
  }

  /** Tells the org's open pages the free-tier units used now, so their cost line prices with them. */
  private async announceFreeUsage(organizationId: string, catalog: Catalog): Promise<void> {
    const usage = await this.freeAllowances.usage(organizationId, catalog);
    this.events.publish('free-usage.changed', { organizationId, freeUnitsUsed: usage.freeUnitsUsed ?? {} });
  }

  /** Free-tier units the org has used this period, per allowance (the realtime snapshot's). */
  async freeUnitsUsed(organizationId: string): Promise<Record<string, number>> {
    const { catalog } = await this.pricing.contextFor(organizationId);
    return (await this.freeAllowances.usage(organizationId, catalog)).freeUnitsUsed ?? {};
  }

  get(organizationId: string, jobId: string): Promise<JobView> {
    return this.views.get(organizationId, jobId);
  }

  list(organizationId: string, filter: { authorId?: string; status?: string; limit: number }): Promise<JobView[]> {
    return this.views.list(organizationId, filter);
  }

  /**
   * Cancels a job of the caller (or any job, for a manager). A queued job is cancelled and its
   * hold released at once. A running one is asked to stop: the images stored by then are kept
   * and charged, any finished later is discarded, the rest released (the answer's `cancel` says
   * which); its runner ends it. A job whose runner had begun to finish it is too late to cancel.
   */
  async cancel(organizationId: string, jobId: string, userId: string, isManager: boolean): Promise<JobView> {
    const job = await this.jobs.find(organizationId, jobId);
    if (job === undefined || (!isManager && job.authorId !== userId)) throw notFound('The job');
    if (FINISHED.has(job.status)) throw tooLateToCancel(job);
    if (!(await this.endings.cancelQueued(job, userId)) && (await this.jobs.requestCancel(jobId)) === undefined) {
      // Neither queued nor cancelled now: asked already (a second click: the same answer), or too late.
      const now = (await this.jobs.find(organizationId, jobId)) ?? job;
      if (now.cancelRequestedAt === null || FINISHED.has(now.status)) throw tooLateToCancel(now);
    }
    const view = await this.views.get(organizationId, jobId);
    this.events.publish('job.changed', { organizationId, job: view });
    return view;
  }

  /** The job an Idempotency-Key already placed, with the balances now; a different body with it is a 409. */
  private async replay(submitter: Submitter, key: string, fingerprint: string): Promise<SubmittedJobView | undefined> {
    const { organizationId, userId } = submitter;
    const job = await this.jobs.findByIdempotencyKey(organizationId, userId, key);
    if (job === undefined) return undefined;
    if (job.requestFingerprint !== fingerprint) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'id_conflict',
        message: 'This Idempotency-Key was already used for a different request. Use a new key for a new job.',
        field: 'Idempotency-Key',
      });
    }
    const [pool, member, view] = await Promise.all([this.ledger.poolBalance(organizationId), this.ledger.memberBudget(organizationId, userId), this.views.of(job)]);
    return {
      job: view,
      balances: {
        pool: { availableCredits: pool.availableCredits, pendingCredits: pool.pendingCredits, version: pool.version },
        member: { remainingCredits: member.remainingCredits, pendingCredits: member.pendingCredits },
      },
    };
  }
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A promise's outcome as a value: a bulk item's failure is its answer, not the request's. */
function settled<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/** A bulk item whose body is not a valid submit: 400 naming the item's first bad field. */
function invalidItem(error: z.ZodError): ApiError {
  const issue = error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
  return new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_request', message: `${field}: ${issue?.message ?? 'is not a valid job'}`, field });
}

function sumHeld(results: readonly BulkSubmitItemResult[]): number {
  return results.reduce((sum, result) => (result.ok && !result.replayed ? sum + result.job.priceCredits : sum), 0);
}

/** Free units cover the first images; every paid image costs the same whole unit price. */
function unitCredits(priced: EstimateSuccess, variations: number): number {
  const paidImages = variations - (priced.freeUnits?.units ?? 0);
  const unit = paidImages > 0 ? priced.credits / paidImages : 0;
  if (!Number.isInteger(unit)) throw new Error(`price ${String(priced.credits)} is not a whole multiple of ${String(paidImages)} paid images`);
  return unit;
}

class HoldRefused extends Error {
  constructor(readonly refusal: HoldRefusal) {
    super(refusal.code);
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
function holdError(refusal: HoldRefusal, priced: EstimateSuccess, catalog: Catalog): ApiError {
  const cost = priced.credits;
  switch (refusal.code) {
    case 'deficit_outstanding':
    case 'insufficient_credits':
      return refusalError(creditRefusal(refusal, cost, catalog));
    case 'budget_exceeded':
    case 'project_budget_exceeded': {
      const { code, remainingCredits, resetsAt } = refusal;
      const { message } = creditRefusal({ code, remainingCredits, resetsAt }, cost, catalog);
      return new ApiError(HttpStatus.PAYMENT_REQUIRED, { ...refusal, message });
    }
    default:
      return new ApiError(HttpStatus.CONFLICT, { code: refusal.code, message: `The hold was refused: ${refusal.code}` });
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

/** 409: the job ended (or its runner was already keeping its images) before the cancel came. */
function tooLateToCancel(job: Pick<JobRecord, 'status'>): ApiError {
  const message =
    job.status === 'cancelled'
      ? 'The job has already been cancelled.'
      : job.status === 'running'
        ? 'The job had already finished making its images; it was not cancelled.'
        : `The job has already ${job.status}.`;
  return new ApiError(HttpStatus.CONFLICT, { code: 'conflict', message, status: job.status });
}
