import { catalogs, judge, type Catalog } from '@atelier/pricing';
import type { BudgetView, PoolView, SubmitJobRequest } from '@atelier/contracts';
import type { AppConfig } from '../../src/config/config.js';
import type { BalanceChanged } from '../../src/events/app-events.js';
import { EventBus } from '../../src/events/event-bus.js';
import type { AssetsRepository, NewAsset } from '../../src/jobs/assets.repository.js';
import type { FreeAllowanceRepository } from '../../src/jobs/free-allowance.repository.js';
import { JobEndingService } from '../../src/jobs/job-ending.service.js';
import type { JobPreparationService, PreparedJob } from '../../src/jobs/job-preparation.service.js';
import { JobViews } from '../../src/jobs/job-view.js';
import type { ThumbnailService } from '../../src/jobs/thumbnail.service.js';
import type { JobEnd, JobRecord, JobsRepository, NewJob } from '../../src/jobs/jobs.repository.js';
import { JobsService } from '../../src/jobs/jobs.service.js';
import { JobPlacer } from '../../src/jobs/job-placer.service.js';
import type { QueueRepository } from '../../src/queue/queue.repository.js';
import type { ProjectsService } from '../../src/orgs/projects.service.js';
import type { PricingContextService } from '../../src/pricing/pricing-context.service.js';
import type { ProviderRegistry } from '../../src/providers/provider-registry.js';
import type { CaptureOutcome, HoldRefusal, JobHold, JobHoldOutcome, LedgerRepository } from '../../src/repositories/ledger.repository.js';
import type { PostgresPoolRepository } from '../../src/repositories/postgres-pool.repository.js';
import type { AssetStorage } from '../../src/storage/storage.js';

/**
 * Small in-memory stand-ins for the repositories under the jobs services, so the services'
 * own rules (what submit writes, what a cancel or the end of a job does) are tested in
 * milliseconds. The same behaviour on real Postgres is tested beside them (test/jobs.test.ts).
 */

export const catalog: Catalog = catalogs.listA;

/** A transaction: what the work wrote is kept only when it returns, dropped when it throws. */
class FakeTransactions {
  pending: (() => void)[] | undefined;
  transaction<T>(work: (client: never) => Promise<T>): Promise<T> {
    this.pending = [];
    return work({} as never).then(
      (result) => {
        for (const apply of this.pending ?? []) apply();
        this.pending = undefined;
        return result;
      },
      (error: unknown) => {
        this.pending = undefined;
        throw error;
      },
    );
  }
  /** Applies a write now, or at commit inside a transaction. */
  write(apply: () => void): void {
    if (this.pending === undefined) apply();
    else this.pending.push(apply);
  }
}

export class FakeJobs {
  readonly rows = new Map<string, JobRecord>();
  constructor(private readonly transactions: FakeTransactions) {}
  insert(_client: unknown, job: NewJob): Promise<number> {
    for (const row of this.rows.values()) {
      if (job.idempotencyKey !== null && row.organizationId === job.organizationId && row.authorId === job.authorId && row.idempotencyKey === job.idempotencyKey) {
        return Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505' }));
      }
    }
    this.transactions.write(() => {
      this.rows.set(job.id, {
        ...job,
        status: 'queued',
        capturedCredits: null,
        imagesDone: 0,
        progressPercent: 0,
        errorCode: null,
        errorMessage: null,
        attempts: 0,
        cancelRequestedAt: null,
        cancelKeptImages: null,
        createdAt: new Date(),
        startedAt: null,
        finishedAt: null,
        queuePriority: 0,
      });
    });
    return Promise.resolve(0);
  }
  async insertMany(client: unknown, jobs: readonly NewJob[]): Promise<{ records: JobRecord[]; busyQueues: Set<string> }> {
    for (const job of jobs) await this.insert(client, job);
    const createdAt = new Date();
    return { records: jobs.map((job) => ({ ...(this.rows.get(job.id) ?? this.pendingRow(job)), createdAt })), busyQueues: new Set() };
  }
  /** Rows written in this (fake) transaction for jobs whose hold was refused: removed when it commits. */
  deleteUnplaced(_client: unknown, jobIds: readonly string[]): Promise<void> {
    this.transactions.write(() => {
      for (const id of jobIds) this.rows.delete(id);
    });
    return Promise.resolve();
  }
  private pendingRow(job: NewJob): JobRecord {
    return { ...job, status: 'queued', capturedCredits: null, imagesDone: 0, progressPercent: 0, errorCode: null, errorMessage: null, attempts: 0, cancelRequestedAt: null, cancelKeptImages: null, createdAt: new Date(), startedAt: null, finishedAt: null, queuePriority: 0 };
  }
  find(organizationId: string, jobId: string): Promise<JobRecord | undefined> {
    const row = this.rows.get(jobId);
    return Promise.resolve(row?.organizationId === organizationId ? { ...row } : undefined);
  }
  list(organizationId: string): Promise<JobRecord[]> {
    return Promise.resolve([...this.rows.values()].filter((row) => row.organizationId === organizationId));
  }
  findByIdempotencyKey(organizationId: string, authorId: string, key: string): Promise<JobRecord | undefined> {
    return Promise.resolve([...this.rows.values()].find((row) => row.organizationId === organizationId && row.authorId === authorId && row.idempotencyKey === key));
  }
  queuePosition(): Promise<number> {
    return Promise.resolve(1);
  }
  start(jobId: string): Promise<JobRecord | undefined> {
    const row = this.rows.get(jobId);
    if (row === undefined || !['queued', 'running'].includes(row.status) || row.cancelRequestedAt !== null) return Promise.resolve(undefined);
    Object.assign(row, { status: 'running', attempts: row.attempts + 1, startedAt: row.startedAt ?? new Date() });
    return Promise.resolve({ ...row });
  }
  succeed(jobId: string, capturedCredits: number, imagesMade: number): Promise<void> {
    const row = this.rows.get(jobId);
    if (row?.status === 'running') {
      Object.assign(row, { status: 'succeeded', capturedCredits, progressPercent: 100, finishedAt: new Date(), errorCode: imagesMade < row.variations ? 'partial' : null });
    }
    return Promise.resolve();
  }
  end(jobId: string, end: JobEnd): Promise<boolean> {
    const row = this.rows.get(jobId);
    if (row === undefined || !['queued', 'running'].includes(row.status)) return Promise.resolve(false);
    Object.assign(row, { status: end.status, errorCode: end.code, errorMessage: end.message, finishedAt: new Date() });
    return Promise.resolve(true);
  }
  cancelQueued(jobId: string, message: string): Promise<boolean> {
    const row = this.rows.get(jobId);
    if (row?.status !== 'queued') return Promise.resolve(false);
    Object.assign(row, { status: 'cancelled', cancelRequestedAt: new Date(), finishedAt: new Date(), errorCode: 'cancelled', errorMessage: message });
    return Promise.resolve(true);
  }
  requestCancel(jobId: string): Promise<JobRecord | undefined> {
    const row = this.rows.get(jobId);
    if (row?.status !== 'running' || row.cancelRequestedAt !== null) return Promise.resolve(undefined);
    Object.assign(row, { cancelRequestedAt: new Date(), cancelKeptImages: 0 });
    return Promise.resolve(row);
  }
}

export class FakeAssets {
  readonly rows = new Map<string, NewAsset>();
  insert(asset: NewAsset): Promise<void> {
    this.rows.set(asset.id, asset);
    return Promise.resolve();
  }
  countOfJob(jobId: string): Promise<number> {
    return Promise.resolve([...this.rows.values()].filter((asset) => asset.jobId === jobId).length);
  }
  idsOfJob(jobId: string): Promise<string[]> {
    return Promise.resolve([...this.rows.values()].filter((asset) => asset.jobId === jobId).map((asset) => asset.id));
  }
  deleteOfJob(jobId: string): Promise<string[]> {
    const removed = [...this.rows.values()].filter((asset) => asset.jobId === jobId);
    for (const asset of removed) this.rows.delete(asset.id);
    return Promise.resolve(removed.map((asset) => asset.storageKey));
  }
}

/** A pool with a member budget: holds, captures and releases move them as the ledger would. */
export class FakeLedger {
  available: number;
  pending = 0;
  posted: number;
  version = 1;
  memberRemaining: number | null = null;
  readonly holds = new Map<string, { credits: number; state: 'pending' | 'captured' | 'released'; captured: number }>();
  constructor(credits: number) {
    this.available = credits;
    this.posted = credits;
  }
  private balanceEvent(organizationId: string): BalanceChanged {
    this.version += 1;
    return { organizationId, availableCredits: this.available, pendingCredits: this.pending, postedCredits: this.posted, version: String(this.version) };
  }
  holdForJob(_client: unknown, hold: JobHold): Promise<{ ok: true; balance: BalanceChanged } | { ok: false; refusal: HoldRefusal }> {
    if (hold.credits > this.available) return Promise.resolve({ ok: false, refusal: { code: 'insufficient_credits', availableCredits: this.available } });
    this.available -= hold.credits;
    this.pending += hold.credits;
    this.holds.set(hold.jobId, { credits: hold.credits, state: 'pending', captured: 0 });
    return Promise.resolve({ ok: true, balance: this.balanceEvent(hold.organizationId) });
  }
  /** The batched path, one hold per fake transaction: its rows written before the hold, removed when it is refused, kept only when all succeeds. */
  jobHoldBatcher<Payload>(writes: { before(client: never, payloads: readonly Payload[]): Promise<void>; after(client: never, accepted: readonly Payload[], notAccepted: readonly Payload[]): Promise<void> }) {
    return async (hold: JobHold, payload: Payload): Promise<JobHoldOutcome> => {
      let outcome: JobHoldOutcome | undefined;
      try {
        const transaction = this.transactions === undefined ? (work: (client: never) => Promise<void>) => work({} as never) : this.transactions.transaction.bind(this.transactions);
        await transaction(async (client) => {
          await writes.before(client, [payload]);
          const held = await this.holdForJob(undefined, hold);
          await writes.after(client, held.ok ? [payload] : [], held.ok ? [] : [payload]);
          outcome = held.ok ? { ok: true, balance: held.balance, member: await this.memberBudget() } : held;
        });
      } catch (error) {
        if (outcome?.ok === true) void this.release(hold.jobId);
        throw error;
      }
      if (outcome === undefined) throw new Error('the fake transaction did not run');
      return outcome;
    };
  }
  transactions: FakeTransactions | undefined;
  capture(holdId: string, credits: number): Promise<CaptureOutcome> {
    const hold = this.holds.get(holdId);
    if (hold === undefined || hold.state === 'released') return Promise.resolve({ ok: false, code: 'released' });
    if (hold.state === 'captured') return Promise.resolve({ ok: false, code: 'already_captured', capturedCredits: hold.captured });
    Object.assign(hold, { state: 'captured', captured: credits });
    this.pending -= hold.credits;
    this.available += hold.credits - credits;
    this.posted -= credits;
    return Promise.resolve({ ok: true, balance: this.balanceEvent('org') });
  }
  capturedCredits(holdId: string): Promise<number | undefined> {
    const hold = this.holds.get(holdId);
    return Promise.resolve(hold?.state === 'captured' ? hold.captured : undefined);
  }
  release(holdId: string): Promise<BalanceChanged | undefined> {
    const hold = this.holds.get(holdId);
    if (hold?.state !== 'pending') return Promise.resolve(undefined);
    hold.state = 'released';
    this.pending -= hold.credits;
    this.available += hold.credits;
    return Promise.resolve(this.balanceEvent('org'));
  }
  poolBalance(): Promise<PoolView> {
    return Promise.resolve({ availableCredits: this.available, pendingCredits: this.pending, postedCredits: this.posted, version: String(this.version) });
  }
  memberBudget(): Promise<BudgetView> {
    return Promise.resolve({ limitCredits: null, period: 'month', spentCredits: 0, pendingCredits: this.pending, remainingCredits: this.memberRemaining, resetsAt: null });
  }
}

/** Every job service over the fakes, with what they recorded. */
export function jobServices(options: { credits: number }) {
  const transactions = new FakeTransactions();
  const jobs = new FakeJobs(transactions);
  const assets = new FakeAssets();
  const ledger = new FakeLedger(options.credits);
  ledger.transactions = transactions;
  const events = new EventBus();
  const published: { name: string; payload: unknown }[] = [];
  for (const name of ['job.changed', 'balance.changed', 'member-spend.changed', 'free-usage.changed'] as const) {
    events.subscribe(name, (payload) => {
      published.push({ name, payload });
    });
  }
  const queue = { entries: new Set<string>() };
  const queueRepository = {
    enqueue: (_client: unknown, request: { jobId: string }) => {
      transactions.write(() => queue.entries.add(request.jobId));
      return Promise.resolve();
    },
    enqueueMany: (_client: unknown, requests: readonly { jobId: string }[]) => {
      // First in, first out: each job's place is the queue's length once it is in.
      const positions = new Map(requests.map((request, index) => [request.jobId, queue.entries.size + index + 1]));
      transactions.write(() => {
        for (const request of requests) queue.entries.add(request.jobId);
      });
      return Promise.resolve(positions);
    },
    remove: (jobId: string) => {
      queue.entries.delete(jobId);
      return Promise.resolve();
    },
  };
  const stored = new Map<string, Buffer>();
  const storage = {
    put: (key: string, bytes: Buffer) => {
      stored.set(key, bytes);
      return Promise.resolve();
    },
    delete: (key: string) => {
      stored.delete(key);
      return Promise.resolve();
    },
  };
  const freeUnitsGivenBack: number[] = [];
  const freeAllowances = {
    usage: () => Promise.resolve({ freeUnitsUsed: {} }),
    spend: () => Promise.resolve(),
    giveBack: (_org: string, _allowance: string, _period: string, units: number) => {
      freeUnitsGivenBack.push(units);
      return Promise.resolve();
    },
  };
  const pricing = { contextFor: () => Promise.resolve({ catalog, tier: { id: 'free' } }) };
  const views = new JobViews(jobs as unknown as JobsRepository, assets as unknown as AssetsRepository);
  const endings = new JobEndingService(
    jobs as unknown as JobsRepository,
    assets as unknown as AssetsRepository,
    ledger as unknown as LedgerRepository,
    queueRepository as unknown as QueueRepository,
    freeAllowances as unknown as FreeAllowanceRepository,
    pricing as unknown as PricingContextService,
    views,
    events,
    { deleteWithThumbnails: (key: string) => storage.delete(key) } as unknown as ThumbnailService,
  );
  const preparation = {
    prepare: (_org: string, _user: string, submitted: SubmitJobRequest): Promise<PreparedJob> =>
      Promise.resolve({
        body: submitted,
        request: submitted.request,
        source: undefined,
        mask: undefined,
        context: { catalog, tier: { id: 'free' } } as PreparedJob['context'],
        usage: {},
        judgement: judge(submitted.request, { prompt: submitted.prompt, hasSource: false }, catalog, {}, { allowedModels: null }),
        maxConcurrentJobsPerMember: 2,
      }),
  };
  const providers = { providerFor: () => ({ id: 'local' }) };
  const service = new JobsService(
    transactions as unknown as PostgresPoolRepository,
    jobs as unknown as JobsRepository,
    ledger as unknown as LedgerRepository,
    queueRepository as unknown as QueueRepository,
    { find: () => Promise.resolve({}) } as unknown as ProjectsService,
    preparation as unknown as JobPreparationService,
    new JobPlacer(ledger as unknown as LedgerRepository, jobs as unknown as JobsRepository, queueRepository as unknown as QueueRepository, {
      jobs: { queuedHoldTtlMs: 60_000 },
    } as unknown as AppConfig),
    pricing as unknown as PricingContextService,
    freeAllowances as unknown as FreeAllowanceRepository,
    endings,
    views,
    events,
    providers as unknown as ProviderRegistry,
    storage as unknown as AssetStorage,
    { jobs: { queuedHoldTtlMs: 60_000 } } as unknown as AppConfig,
  );
  return { service, endings, jobs, assets, ledger, queue: queue.entries, stored, published, freeUnitsGivenBack };
}

export const ORG = '00000000-0000-4000-8000-000000000001';
export const MEMBER = '00000000-0000-4000-8000-000000000002';
export const submitter = { organizationId: ORG, userId: MEMBER, apiKeyId: null };

/** flux-schnell, 512², 4 steps: the cheapest real request of List A. */
export function cheapRequest(variations = 1): SubmitJobRequest {
  return { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4, variations }, prompt: 'a lighthouse at dusk' };
}

/** Records an image of a job as the runner would. */
export function madeImage(job: JobRecord, index: number): NewAsset {
  return {
    id: `${job.id.slice(0, 30)}${String(index).padStart(6, '0')}`,
    organizationId: job.organizationId,
    jobId: job.id,
    imageIndex: index,
    projectId: null,
    authorId: job.authorId,
    workspaceId: null,
    storageKey: `orgs/${job.organizationId}/assets/${job.id}-${String(index)}.png`,
    bytes: 10,
    width: 512,
    height: 512,
    prompt: job.prompt,
    negativePrompt: null,
    operation: job.operation,
    modelId: job.modelId,
    provider: 'local',
    seed: 1,
    steps: 4,
    priceCredits: job.unitCredits,
    catalogId: job.catalogId,
    catalogVersion: job.catalogVersion,
    maskKey: null,
    parentAssetId: null,
    providerCost: undefined,
  };
}
