import { Inject, Injectable, Logger } from '@nestjs/common';
import { catalogs } from '@atelier/pricing';
import { sha256 } from '../common/crypto.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from '../providers/provider.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { withRetries } from '../providers/retry.js';
import { withPngText } from '../providers/png-text.js';
import type { AssetStorage } from '../storage/storage.js';
import { AssetsRepository } from './assets.repository.js';
import { hasHold, JobEndingService } from './job-ending.service.js';
import { JobsRepository, type JobEnd, type JobRecord } from './jobs.repository.js';
import { ThumbnailService } from './thumbnail.service.js';
import { ASSET_STORAGE, PROVIDER_REGISTRY } from '../repositories/tokens.js';
import { ProviderCallsRepository } from '../repositories/provider-calls.repository.js';
import type { TaskContext } from '../queue/queue-tasks.js';

/** Earlier turns sent with a conversational edit (Gemini works best with up to three images in all). */
export const MAX_EARLIER_TURNS = 2;

/** Provider calls per image before the attempt fails (graphile-worker then retries the job). */
export const PROVIDER_CALL_ATTEMPTS = 3;

class JobStopped extends Error {
  constructor(readonly why: 'cancelled' | 'refunded') {
    super(why);
  }
}

/** What one attempt of a job works with: its routes, inputs, and how it is told to stop. */
interface Attempt {
  job: JobRecord;
  routes: ImageProvider[];
  /** A source image and the prompt it was made with (the previous turn of a conversational edit). */
  source: { bytes: Buffer; prompt: string } | undefined;
  /** The source's earlier turns, for a conversational provider's edit. */
  earlierTurns: { prompt: string; image: Buffer }[];
  mask: Buffer | undefined;
  controller: AbortController;
  stopped: JobStopped | undefined;
}

/**
 * Runs one generation job: makes each image, stores it with its settings, then hands the job to
 * JobEndingService, which captures the hold for the images made (the rest released) or voids it.
 * The ledger resolves a hold exactly once, so a retried, duplicated or late attempt can never
 * charge twice or revive a refund.
 */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger('JobRunner');

  constructor(
    @Inject(JobsRepository) private readonly jobs: JobsRepository,
    @Inject(AssetsRepository) private readonly assets: AssetsRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(JobEndingService) private readonly endings: JobEndingService,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
    @Inject(ASSET_STORAGE) private readonly storage: AssetStorage,
    @Inject(ThumbnailService) private readonly thumbnails: ThumbnailService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ProviderCallsRepository) private readonly providerCalls: ProviderCallsRepository,
  ) {}

  async run(jobId: string, helpers: TaskContext): Promise<void> {
    const job = await this.jobs.start(jobId);
    if (job === undefined) {
      // Finished, cancelled or refunded already; a cancel asked while it waited (for a retry) ends it here.
      const cancelled = await this.jobs.findCancelAsked(jobId);
      if (cancelled !== undefined) await this.endings.cancelled(cancelled);
      return;
    }
    await this.endings.publish(job);
    const attempt: Attempt = { job, routes: [], source: undefined, earlierTurns: [], mask: undefined, controller: new AbortController(), stopped: undefined };
    const onWorkerAbort = (): void => {
      attempt.controller.abort();
    };
    helpers.abortSignal.addEventListener('abort', onWorkerAbort);
    const heartbeat = setInterval(() => {
      void this.keepAlive(job).then((reason) => {
        if (reason !== undefined && attempt.stopped === undefined) {
          attempt.stopped = new JobStopped(reason);
          attempt.controller.abort();
        }
      });
    }, this.config.jobs.holdExtendIntervalMs);
    try {
      await this.makeImages(attempt, heartbeat);
    } catch (error) {
      clearInterval(heartbeat);
      await this.attemptFailed(attempt, error, helpers);
    } finally {
      clearInterval(heartbeat);
      helpers.abortSignal.removeEventListener('abort', onWorkerAbort);
    }
  }

  /** Makes the images not made yet (one failed image does not sink the others), then ends the job. */
  private async makeImages(attempt: Attempt, heartbeat: NodeJS.Timeout): Promise<void> {
    const { job } = attempt;
    const reason = await this.keepAlive(job);
    if (reason !== undefined) throw new JobStopped(reason);
    attempt.routes = this.providers.routesFor(job.modelId, catalogProviderOf(job.catalogId, job.modelId) ?? job.provider, job.operation);
    if (attempt.routes.length === 0) {
      await this.endings.release(job, providerFailure(new ProviderError('rejected', `no provider on this server runs ${job.modelId} for ${job.operation}`), 'model_unavailable'));
      return;
    }
    attempt.source = job.sourceAssetId === null ? undefined : await this.loadAsset(job.sourceAssetId);
    if (job.sourceAssetId !== null && job.operation === 'general-edit' && attempt.routes.some((route) => route.conversational === true)) {
      attempt.earlierTurns = await this.loadEarlierTurns(job.sourceAssetId);
    }
    attempt.mask = job.maskKey === null ? undefined : await this.storage.get(job.maskKey);
    let lastFailure: ProviderError | undefined;
    for (let index = job.imagesDone; index < job.variations; index += 1) {
      if (attempt.stopped !== undefined) throw attempt.stopped;
      try {
        await this.makeImage(attempt, index);
      } catch (error) {
        if (!(error instanceof ProviderError) || error.kind === 'aborted' || attempt.controller.signal.aborted) throw error;
        this.logger.warn(`job ${job.id} image ${String(index)} failed: ${error.kind}: ${error.message}`);
        lastFailure = error;
      }
      job.imagesDone = index + 1;
      await this.jobs.recordProgress(job.id, job.imagesDone, Math.floor((100 * job.imagesDone) / job.variations));
      await this.endings.publish(job);
    }
    clearInterval(heartbeat);
    if (attempt.stopped !== undefined) throw attempt.stopped;
    // The runner and a cancel decide on the job's row which came first: after this claim a cancel
    // is refused as too late; a cancel before it keeps only the images stored when it came.
    if (!(await this.jobs.claimFinish(job.id))) throw new JobStopped((await this.jobs.runState(job.id)) === 'cancelled' ? 'cancelled' : 'refunded');
    const imagesMade = await this.assets.countOfJob(job.id);
    if (imagesMade === 0) await this.endings.release(job, providerFailure(lastFailure ?? new ProviderError('rejected', 'no image was made')));
    else await this.endings.succeed(job, imagesMade);
  }

  /** A stop ends the job; a worker shutting down or a retryable failure hands it back to the queue; the rest fail it. */
  private async attemptFailed(attempt: Attempt, error: unknown, helpers: TaskContext): Promise<void> {
    const { job } = attempt;
    const stop = attempt.stopped ?? (error instanceof JobStopped ? error : undefined);
    if (stop !== undefined) {
      const now = stop.why === 'cancelled' ? await this.jobs.reload(job) : undefined;
      if (now !== undefined) await this.endings.cancelled(now);
      else await this.endings.refunded(job);
      return;
    }
    if (error instanceof ProviderError && error.kind === 'aborted' && helpers.abortSignal.aborted) {
      throw error; // the worker is shutting down: the job is retried later, its hold still pending
    }
    const lastAttempt = helpers.attempts >= helpers.maxAttempts;
    const retryable = error instanceof ProviderError ? error.retryable : true;
    if (retryable && !lastAttempt) {
      this.logger.warn(`job ${job.id} attempt ${String(helpers.attempts)} failed, will retry: ${String(error)}`);
      throw error;
    }
    await this.endings.release(job, providerFailure(error));
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
        const image = await withRetries(() => this.generateOnce(provider, input), { maxAttempts: PROVIDER_CALL_ATTEMPTS, signal });
        return { image, provider };
      } catch (error) {
        if (!(error instanceof ProviderError) || error.kind === 'aborted' || error.kind === 'moderated' || signal.aborted) throw error;
        this.logger.warn(`job ${job.id}: ${provider.id} failed after ${String(Date.now() - started)} ms (${error.kind}: ${error.message})${routes.at(-1) === provider ? '' : '; trying the next provider'}`);
        lastFailure = error;
      }
    }
    throw lastFailure ?? new ProviderError('rejected', 'no provider runs this model');
  }

  /** One provider call, recorded in the provider's health. */
  private async generateOnce(provider: ImageProvider, input: GenerationInput): Promise<GeneratedImage> {
    const attemptStarted = Date.now();
    try {
      const made = await provider.generate(input);
      this.providerCalls.record(provider.id, { at: Date.now(), latencyMs: Date.now() - attemptStarted });
      return made;
    } catch (error) {
      if (error instanceof ProviderError) {
        this.providerCalls.record(provider.id, { at: Date.now(), latencyMs: Date.now() - attemptStarted, failure: { kind: error.kind, message: error.message } });
      }
      throw error;
    }
  }

  private async makeImage(attempt: Attempt, index: number): Promise<void> {
    const { job } = attempt;
    const input = { ...generationInput(attempt, index), onProgress: this.progressReporter(job, index) };
    const { image, provider } = await this.generateWithFailover(job, attempt.routes, input, attempt.controller.signal);
    const assetId = deterministicAssetId(job.id, index);
    const storageKey = `orgs/${job.organizationId}/assets/${assetId}.png`;
    const png = withPngText(image.png, pngSettings(job, image, provider));
    await this.storage.put(storageKey, png, 'image/png');
    await this.thumbnails.storeFor(storageKey, png);
    await this.assets.insert({
      id: assetId,
      organizationId: job.organizationId,
      jobId: job.id,
      imageIndex: index,
      projectId: job.projectId,
      authorId: job.authorId,
      workspaceId: job.workspaceId,
      storageKey,
      bytes: png.length,
      width: image.width,
      height: image.height,
      prompt: job.prompt,
      negativePrompt: job.negativePrompt,
      operation: job.operation,
      modelId: job.modelId,
      provider: provider.id,
      seed: image.seed,
      steps: job.request.steps ?? null,
      priceCredits: index < job.freeUnits ? 0 : job.unitCredits,
      catalogId: job.catalogId,
      catalogVersion: job.catalogVersion,
      maskKey: job.maskKey,
      parentAssetId: job.parentAssetId ?? job.sourceAssetId,
      providerCost: image.cost,
    });
    await this.jobs.recordProvider(job.id, provider.id);
  }

  /** Extends the hold while the job runs; says why to stop when it was cancelled or refunded. */
  private async keepAlive(job: JobRecord): Promise<'cancelled' | 'refunded' | undefined> {
    const state = await this.jobs.runState(job.id);
    if (state === 'cancelled') return 'cancelled';
    if (state === 'ended') return 'refunded';
    if (!hasHold(job)) return undefined;
    const extended = await this.ledger.extendHold(job.id, new Date(Date.now() + this.config.jobs.runningHoldTtlMs));
    return extended ? undefined : 'refunded';
  }

  private async loadAsset(assetId: string): Promise<{ bytes: Buffer; prompt: string }> {
    const stored = await this.assets.storedImage(assetId);
    const bytes = stored === undefined ? undefined : await this.storage.get(stored.storageKey);
    if (stored === undefined || bytes === undefined) throw new ProviderError('rejected', 'The source image is gone.');
    return { bytes, prompt: stored.prompt };
  }

  /** The source's earlier turns with their images; a turn whose image or prompt is gone ends the list there. */
  private async loadEarlierTurns(sourceAssetId: string): Promise<{ prompt: string; image: Buffer }[]> {
    const turns = await this.assets.earlierTurns(sourceAssetId, MAX_EARLIER_TURNS);
    const loaded = await Promise.all(turns.map(async (turn) => ({ prompt: turn.prompt, image: await this.storage.get(turn.storageKey) })));
    // Keep the unbroken run of turns just before the source.
    const usable: { prompt: string; image: Buffer }[] = [];
    for (const turn of loaded.reverse()) {
      if (turn.image === undefined || turn.prompt.trim() === '') break;
      usable.unshift({ prompt: turn.prompt, image: turn.image });
    }
    return usable;
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
      void this.jobs
        .recordProgressWithin(job.id, percent)
        .then(() => this.endings.publish(job))
        .catch((error: unknown) => {
          this.logger.warn(`job ${job.id}: progress not recorded: ${String(error)}`);
        });
    };
  }
}

/** What a provider is asked for one image of a job. */
function generationInput(attempt: Attempt, index: number): GenerationInput {
  const { job, source, mask } = attempt;
  const outpaint = job.request.outpaint;
  return {
    jobId: job.id,
    operation: job.operation,
    modelId: job.modelId,
    prompt: job.prompt,
    negativePrompt: job.negativePrompt,
    width: job.request.width,
    height: job.request.height,
    steps: job.request.steps ?? null,
    seed: (job.seed + index) % 4_294_967_296,
    signal: attempt.controller.signal,
    ...(source === undefined ? {} : { source: source.bytes }),
    ...(source === undefined || source.prompt.trim() === '' ? {} : { sourcePrompt: source.prompt }),
    ...(source === undefined || source.prompt.trim() === '' || attempt.earlierTurns.length === 0 ? {} : { earlierTurns: attempt.earlierTurns }),
    ...(mask === undefined ? {} : { mask }),
    ...(outpaint === undefined ? {} : { outpaint: { left: outpaint.left ?? 0, right: outpaint.right ?? 0, top: outpaint.top ?? 0, bottom: outpaint.bottom ?? 0 } }),
    ...(job.searchPrompt === null ? {} : { searchPrompt: job.searchPrompt }),
  };
}

/** The settings written into the PNG itself, so a downloaded image still says how it was made. */
function pngSettings(job: JobRecord, image: GeneratedImage, provider: ImageProvider): Record<string, string> {
  return {
    Software: 'Atelier',
    'atelier:prompt': job.prompt,
    ...(job.negativePrompt === null ? {} : { 'atelier:negative-prompt': job.negativePrompt }),
    'atelier:operation': job.operation,
    'atelier:model': job.modelId,
    'atelier:provider': provider.id,
    ...(provider.id === 'local' ? { 'atelier:note': 'Demo renderer — not AI' } : {}),
    'atelier:seed': String(image.seed),
    'atelier:steps': job.request.steps === undefined ? '' : String(job.request.steps),
    'atelier:size': `${String(image.width)}x${String(image.height)}`,
    'atelier:price-credits': String(job.unitCredits),
    'atelier:catalog': `${job.catalogId}@${String(job.catalogVersion)}`,
    'atelier:job': job.id,
  };
}

/** How a failed job ends: its code and words (moderation says what to change). */
function providerFailure(error: unknown, codeOverride?: string): JobEnd {
  const code = codeOverride ?? (error instanceof ProviderError ? `provider_${error.kind}` : 'failed');
  const message =
    error instanceof ProviderError && error.kind === 'moderated'
      ? "Blocked by the provider's content filter. Change the prompt or image and try again; the credits were refunded in full."
      : `The generation failed (${error instanceof Error ? error.message : String(error)}); the credits were refunded.`;
  return { status: 'failed', code, message };
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
