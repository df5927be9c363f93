import { Inject, Injectable, Logger } from '@nestjs/common';
import type { JobHelpers } from 'graphile-worker';
import { catalogs, type AllowancePeriod, type Operation } from '@atelier/pricing';
import { sha256 } from '../common/crypto.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider, type ProviderId } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { withRetries } from '../providers/retry.js';
import { withPngText } from '../providers/png-text.js';
import type { AssetStorage } from '../storage/storage.js';
import { FreeAllowanceRepository } from './free-allowance.repository.js';
import { JobEventsRepository } from './job-events.repository.js';
import { JobsService } from './jobs.service.js';
import { ASSET_STORAGE, PROVIDER_REGISTRY } from './tokens.js';

/** Provider calls per image before the attempt fails (graphile-worker then retries the job). */
export const PROVIDER_CALL_ATTEMPTS = 3;

interface JobRecord {
  id: string;
  organization_id: string;
  project_id: string | null;
  author_id: string;
  workspace_id: string | null;
  status: string;
  operation: Operation;
  model_id: string;
  provider: ProviderId;
  request: { width: number; height: number; steps?: number; outpaint?: Partial<Record<'left' | 'right' | 'top' | 'bottom', number>> };
  prompt: string;
  negative_prompt: string | null;
  search_prompt: string | null;
  seed: string;
  variations: number;
  unit_credits: string;
  price_credits: string;
  catalog_id: string;
  catalog_version: number;
  source_asset_id: string | null;
  parent_asset_id: string | null;
  mask_key: string | null;
  free_allowance_id: string | null;
  free_units: number;
  images_done: number;
  cancel_requested_at: Date | null;
  created_at: Date;
}

class JobStopped extends Error {
  constructor(readonly why: 'cancelled' | 'refunded') {
    super(why);
  }
}

/**
 * Runs one generation job: makes each image, stores it with its settings, then captures the hold
 * for the images made (the rest released) or voids it. The ledger resolves a hold exactly once,
 * so a retried, duplicated or late attempt can never charge twice or revive a refund.
 */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger('JobRunner');

  constructor(
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(FreeAllowanceRepository) private readonly freeAllowances: FreeAllowanceRepository,
    @Inject(JobEventsRepository) private readonly events: JobEventsRepository,
    @Inject(JobsService) private readonly jobs: JobsService,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async run(jobId: string, helpers: Pick<JobHelpers, 'job' | 'abortSignal'>): Promise<void> {
    const started = await this.postgres.pool.query<JobRecord>(
      `update jobs set status = 'running', started_at = coalesce(started_at, now()), attempts = attempts + 1
       where id = $1 and status in ('queued', 'running') and cancel_requested_at is null returning *`,
      [jobId],
    );
    const job = started.rows[0];
    if (job === undefined) {
      await this.finishCancelledIfAsked(jobId);
      return; // finished, cancelled or refunded already: nothing to do
    }
    await this.publish(job);
    const controller = new AbortController();
    const onWorkerAbort = (): void => {
      controller.abort();
    };
    helpers.abortSignal.addEventListener('abort', onWorkerAbort);
    let stopped: JobStopped | undefined;
    const heartbeat = setInterval(() => {
      void this.keepAlive(job).then((reason) => {
        if (reason !== undefined && stopped === undefined) {
          stopped = new JobStopped(reason);
          controller.abort();
        }
      });
    }, this.config.jobs.holdExtendIntervalMs);
    try {
      await this.keepAlive(job).then((reason) => {
        if (reason !== undefined) throw new JobStopped(reason);
      });
      const catalogProvider = catalogProviderOf(job.catalog_id, job.model_id) ?? job.provider;
      const routes = this.providers.routesFor(job.model_id, catalogProvider, job.operation);
      if (routes.length === 0) {
        await this.fail(job, new ProviderError('rejected', `no provider on this server runs ${job.model_id} for ${job.operation}`), 'model_unavailable');
        return;
      }
      const source = job.source_asset_id === null ? undefined : await this.loadAsset(job.source_asset_id);
      const mask = job.mask_key === null ? undefined : await this.storage.get(job.mask_key);
      // One failed image does not sink the others: k made of n means k × the unit price is captured.
      let lastFailure: ProviderError | undefined;
      for (let index = job.images_done; index < job.variations; index += 1) {
        if (stopped !== undefined) throw stopped;
        try {
          await this.makeImage(job, routes, index, source, mask, controller.signal);
        } catch (error) {
          if (!(error instanceof ProviderError) || error.kind === 'aborted' || controller.signal.aborted) throw error;
          this.logger.warn(`job ${job.id} image ${String(index)} failed: ${error.kind}: ${error.message}`);
          lastFailure = error;
        }
        job.images_done = index + 1;
        await this.postgres.pool.query(`update jobs set images_done = $2, progress_percent = $3 where id = $1`, [
          job.id,
          job.images_done,
          Math.floor((100 * job.images_done) / job.variations),
        ]);
        await this.publish(job);
      }
      clearInterval(heartbeat);
      // A cancel that came in while the last image was finishing still wins over the capture.
      const lastWord = stopped?.why ?? (await this.keepAlive(job));
      if (lastWord !== undefined) throw new JobStopped(lastWord);
      const made = await this.postgres.pool.query<{ count: string }>(`select count(*) from assets where job_id = $1`, [job.id]);
      const imagesMade = Number(made.rows[0]?.count ?? 0);
      if (imagesMade === 0) {
        await this.fail(job, lastFailure ?? new ProviderError('rejected', 'no image was made'));
        return;
      }
      await this.settle(job, imagesMade);
    } catch (error) {
      clearInterval(heartbeat);
      const reason = stopped ?? (error instanceof JobStopped ? error : undefined);
      if (reason !== undefined) {
        await this.stop(job, reason.why);
        return;
      }
      if (error instanceof ProviderError && error.kind === 'aborted' && helpers.abortSignal.aborted) {
        throw error; // the worker is shutting down: the job is retried later, its hold still pending
      }
      const lastAttempt = helpers.job.attempts >= helpers.job.max_attempts;
      const retryable = error instanceof ProviderError ? error.retryable : true;
      if (retryable && !lastAttempt) {
        this.logger.warn(`job ${job.id} attempt ${String(helpers.job.attempts)} failed, will retry: ${String(error)}`);
        throw error;
      }
      await this.fail(job, error);
    } finally {
      clearInterval(heartbeat);
      helpers.abortSignal.removeEventListener('abort', onWorkerAbort);
    }
  }

  /**
   * Tries each route in order: a provider that is down, rate-limited (after its retries) or
   * rejecting the request hands the image to the next one. Moderation and cancellation stop at
   * once. The hold is captured once per job, so a failover never charges twice.
   */
  private async generateWithFailover(job: JobRecord, routes: ImageProvider[], input: GenerationInput, signal: AbortSignal): Promise<{ image: GeneratedImage; provider: ImageProvider }> {
    let lastFailure: ProviderError | undefined;
    for (const provider of routes) {
      const started = Date.now();
      try {
        const image = await withRetries(
          async () => {
            const attemptStarted = Date.now();
            try {
              const made = await provider.generate(input);
              this.providers.health.record(provider.id, { at: Date.now(), latencyMs: Date.now() - attemptStarted });
              return made;
            } catch (error) {
              if (error instanceof ProviderError) {
                this.providers.health.record(provider.id, { at: Date.now(), latencyMs: Date.now() - attemptStarted, failure: { kind: error.kind, message: error.message } });
              }
              throw error;
            }
          },
          { maxAttempts: PROVIDER_CALL_ATTEMPTS, signal },
        );
        return { image, provider };
      } catch (error) {
        if (!(error instanceof ProviderError) || error.kind === 'aborted' || error.kind === 'moderated' || signal.aborted) throw error;
        this.logger.warn(`job ${job.id}: ${provider.id} failed after ${String(Date.now() - started)} ms (${error.kind}: ${error.message})${routes.at(-1) === provider ? '' : '; trying the next provider'}`);
        lastFailure = error;
      }
    }
    throw lastFailure ?? new ProviderError('rejected', 'no provider runs this model');
  }

  private async makeImage(
    job: JobRecord,
    routes: ImageProvider[],
    index: number,
    source: { bytes: Buffer; prompt: string } | undefined,
    mask: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const seed = (Number(job.seed) + index) % 4_294_967_296;
    const outpaint = job.request.outpaint;
    const input: GenerationInput = {
      jobId: job.id,
      operation: job.operation,
      modelId: job.model_id,
      prompt: job.prompt,
      negativePrompt: job.negative_prompt,
      width: job.request.width,
      height: job.request.height,
      steps: job.request.steps ?? null,
      seed,
      signal,
      onProgress: this.progressReporter(job, index),
      ...(source === undefined ? {} : { source: source.bytes }),
      ...(source === undefined || source.prompt.trim() === '' ? {} : { sourcePrompt: source.prompt }),
      ...(mask === undefined ? {} : { mask }),
      ...(outpaint === undefined ? {} : { outpaint: { left: outpaint.left ?? 0, right: outpaint.right ?? 0, top: outpaint.top ?? 0, bottom: outpaint.bottom ?? 0 } }),
      ...(job.search_prompt === null ? {} : { searchPrompt: job.search_prompt }),
    };
    const { image, provider } = await this.generateWithFailover(job, routes, input, signal);
    const assetId = deterministicAssetId(job.id, index);
    const storageKey = `orgs/${job.organization_id}/assets/${assetId}.png`;
    const png = withPngText(image.png, {
      Software: 'Atelier',
      'atelier:prompt': job.prompt,
      ...(job.negative_prompt === null ? {} : { 'atelier:negative-prompt': job.negative_prompt }),
      'atelier:operation': job.operation,
      'atelier:model': job.model_id,
      'atelier:provider': provider.id,
      ...(provider.id === 'local' ? { 'atelier:note': 'Demo renderer — not AI' } : {}),
      'atelier:seed': String(image.seed),
      'atelier:steps': job.request.steps === undefined ? '' : String(job.request.steps),
      'atelier:size': `${String(image.width)}x${String(image.height)}`,
      'atelier:price-credits': job.unit_credits,
      'atelier:catalog': `${job.catalog_id}@${String(job.catalog_version)}`,
      'atelier:job': job.id,
    });
    await this.storage.put(storageKey, png, 'image/png');
    await this.postgres.pool.query(
      `insert into assets (id, organization_id, job_id, image_index, project_id, author_id, workspace_id, storage_key, content_type, bytes,
         width, height, prompt, negative_prompt, operation, model_id, provider, seed, steps, price_credits, catalog_id, catalog_version,
         mask_key, parent_asset_id, provider_cost)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'image/png', $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
       on conflict (job_id, image_index) do nothing`,
      [
        assetId, job.organization_id, job.id, index, job.project_id, job.author_id, job.workspace_id, storageKey, png.length,
        image.width, image.height, job.prompt, job.negative_prompt, job.operation, job.model_id, provider.id, image.seed,
        job.request.steps ?? null, index < job.free_units ? 0 : Number(job.unit_credits), job.catalog_id, job.catalog_version,
        job.mask_key, job.parent_asset_id ?? job.source_asset_id, image.cost === undefined ? null : JSON.stringify(image.cost),
      ],
    );
    // The job shows who made its latest image (each asset keeps its own provider).
    await this.postgres.pool.query(`update jobs set provider = $2 where id = $1 and provider <> $2`, [job.id, provider.id]);
  }

  /** Captures the made images' price (free units first), releases the rest. */
  private async settle(job: JobRecord, imagesMade: number): Promise<void> {
    if (!hasHold(job)) {
      // Wholly covered by a free allowance: nothing was held, nothing to capture.
      await this.giveBackFreeUnits(job, imagesMade);
      await this.markSucceeded(job, 0, imagesMade);
      return;
    }
    const paidImages = Math.max(0, imagesMade - job.free_units);
    const amount = BigInt(paidImages) * BigInt(job.unit_credits);
    const captured = await this.ledger.ledger.capture({ holdId: job.id, amountCredits: amount, reason: `${String(imagesMade)} of ${String(job.variations)} images` });
    if (!captured.ok) {
      if (captured.code === 'hold_already_captured') {
        await this.markSucceeded(job, Number(captured.figures.capturedCredits), imagesMade);
        return;
      }
      // The hold was voided or expired meanwhile (cancel, lost worker): the refund stands and
      // the late images are discarded, never revived.
      await this.discardAssets(job);
      await this.finish(job, 'failed', 'refunded_before_completion', 'The job stopped before it finished; its credits were refunded.');
      return;
    }
    this.events.balanceChanged(job.organization_id, captured.balance);
    this.events.memberSpendChanged(job.organization_id, job.author_id);
    await this.giveBackFreeUnits(job, imagesMade);
    await this.markSucceeded(job, Number(amount), imagesMade);
  }

  private async markSucceeded(job: JobRecord, capturedCredits: number, imagesMade: number): Promise<void> {
    await this.postgres.pool.query(
      `update jobs set status = 'succeeded', captured_credits = $2, progress_percent = 100, finished_at = now(),
         error_code = case when $3::int < variations then 'partial' else null end,
         error_message = case when $3::int < variations then $3::int || ' of ' || variations || ' images were made; the rest was refunded.' else null end
       where id = $1 and status = 'running'`,
      [job.id, capturedCredits, imagesMade],
    );
    await this.publish(job);
  }

  private async fail(job: JobRecord, error: unknown, codeOverride?: string): Promise<void> {
    const code = codeOverride ?? (error instanceof ProviderError ? `provider_${error.kind}` : 'failed');
    const message =
      error instanceof ProviderError && error.kind === 'moderated'
        ? "Blocked by the provider's content filter. Change the prompt or image and try again; the credits were refunded in full."
        : `The generation failed (${error instanceof Error ? error.message : String(error)}); the credits were refunded.`;
    const voided = await this.ledger.ledger.void({ holdId: job.id, reason: code });
    if (voided.ok) this.events.balanceChanged(job.organization_id, voided.balance);
    await this.discardAssets(job);
    await this.giveBackFreeUnits(job, 0);
    await this.finish(job, 'failed', code, message);
  }

  private async stop(job: JobRecord, why: 'cancelled' | 'refunded'): Promise<void> {
    if (why === 'cancelled') {
      const voided = await this.ledger.ledger.void({ holdId: job.id, reason: 'cancelled' });
      if (voided.ok) this.events.balanceChanged(job.organization_id, voided.balance);
      await this.discardAssets(job);
      await this.giveBackFreeUnits(job, 0);
      await this.finish(job, 'cancelled', 'cancelled', 'Cancelled while running; the credits were released.');
      return;
    }
    await this.discardAssets(job);
    await this.finish(job, 'failed', 'refunded_before_completion', 'The job stopped before it finished; its credits were refunded.');
  }

  private async finish(job: JobRecord, status: 'failed' | 'cancelled', code: string, message: string): Promise<void> {
    await this.postgres.pool.query(
      `update jobs set status = $2, error_code = $3, error_message = $4, finished_at = now() where id = $1 and status in ('queued', 'running')`,
      [job.id, status, code, message],
    );
    await this.publish(job);
  }

  /** Extends the hold while the job runs; says why to stop when it was cancelled or refunded. */
  private async keepAlive(job: JobRecord): Promise<'cancelled' | 'refunded' | undefined> {
    const state = await this.postgres.pool.query<{ status: string; cancel_requested_at: Date | null }>(
      `select status, cancel_requested_at from jobs where id = $1`,
      [job.id],
    );
    const row = state.rows[0];
    if (row === undefined || row.cancel_requested_at !== null) return 'cancelled';
    if (row.status !== 'running') return 'refunded';
    if (!hasHold(job)) return undefined;
    const extended = await this.ledger.ledger.extendHold({
      holdId: job.id,
      expiresAt: new Date(Date.now() + this.config.jobs.runningHoldTtlMs),
    });
    return extended.ok ? undefined : 'refunded';
  }

  private async finishCancelledIfAsked(jobId: string): Promise<void> {
    const result = await this.postgres.pool.query<JobRecord>(
      `select * from jobs where id = $1 and status in ('queued', 'running') and cancel_requested_at is not null`,
      [jobId],
    );
    const job = result.rows[0];
    if (job !== undefined) await this.stop(job, 'cancelled');
  }

  private async discardAssets(job: JobRecord): Promise<void> {
    const removed = await this.postgres.pool.query<{ storage_key: string }>(`delete from assets where job_id = $1 returning storage_key`, [job.id]);
    await Promise.all(removed.rows.map((row) => this.storage.delete(row.storage_key).catch(() => undefined)));
  }

  private async giveBackFreeUnits(job: JobRecord, imagesMade: number): Promise<void> {
    if (job.free_allowance_id === null || job.free_units === 0) return;
    const unused = job.free_units - Math.min(job.free_units, imagesMade);
    if (unused === 0) return;
    const period = allowancePeriod(job.catalog_id, job.free_allowance_id);
    await this.freeAllowances.giveBack(job.organization_id, job.free_allowance_id, period, unused, job.created_at);
    await this.jobs.announceFreeUsage(job.organization_id);
  }

  /** A source image and the prompt it was made with (the previous turn of a conversational edit). */
  private async loadAsset(assetId: string): Promise<{ bytes: Buffer; prompt: string }> {
    const result = await this.postgres.pool.query<{ storage_key: string; prompt: string }>(`select storage_key, prompt from assets where id = $1`, [assetId]);
    const row = result.rows[0];
    const bytes = row === undefined ? undefined : await this.storage.get(row.storage_key);
    if (row === undefined || bytes === undefined) throw new ProviderError('rejected', 'The source image is gone.');
    return { bytes, prompt: row.prompt };
  }

  /**
   * Progress within an image (from providers that report it) as the job's percentage: written
   * and published at most every 500 ms, and only forward.
   */
  private progressReporter(job: JobRecord, index: number): (fraction: number) => void {
    let shown = -1;
    let at = 0;
    return (fraction) => {
      const percent = Math.floor((100 * (index + Math.min(1, Math.max(0, fraction)))) / job.variations);
      if (percent <= shown || percent >= 100 || Date.now() - at < 500) return;
      shown = percent;
      at = Date.now();
      void this.postgres.pool
        .query(`update jobs set progress_percent = $2 where id = $1 and status = 'running' and progress_percent < $2`, [job.id, percent])
        .then(() => this.publish(job))
        .catch((error: unknown) => {
          this.logger.warn(`job ${job.id}: progress not recorded: ${String(error)}`);
        });
    };
  }

  private async publish(job: JobRecord): Promise<void> {
    this.events.jobChanged(await this.jobs.get(job.organization_id, job.id));
  }
}

/** The same job and index always give the same asset id, so a retried attempt overwrites, never duplicates. */
export function deterministicAssetId(jobId: string, index: number): string {
  const hex = sha256(`${jobId}:${String(index)}`);
  // Shaped as a version-4-style UUID (version and variant bits set) so it fits a uuid column.
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The catalog `provider` of a job's model, looked up in the catalog the job was priced with. */
function catalogProviderOf(catalogId: string, modelId: string): string | undefined {
  const catalog = Object.values(catalogs).find((candidate) => candidate.id === catalogId);
  return catalog?.models.find((model) => model.id === modelId)?.provider;
}

/** The period of a catalog's free allowance, looked up in the catalog the job was priced with. */
function allowancePeriod(catalogId: string, allowanceId: string): AllowancePeriod {
  const catalog = Object.values(catalogs).find((candidate) => candidate.id === catalogId);
  for (const model of catalog?.models ?? []) {
    for (const offer of Object.values(model.operations)) {
      if (offer.pricing.freeAllowance?.id === allowanceId) return offer.pricing.freeAllowance.period;
    }
  }
  return 'month';
}

/** A job wholly covered by a free allowance costs 0 and has no hold in the ledger. */
function hasHold(job: JobRecord): boolean {
  return Number(job.price_credits) > 0;
}
