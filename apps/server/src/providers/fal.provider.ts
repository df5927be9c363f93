import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { imageSize, toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from './provider.js';

/** fal's queue host; tests point `baseUrl` at a local fake. */
export const falBaseUrl = 'https://queue.fal.run';

export const falLimits = {
  pollIntervalMs: 750,
  timeoutMs: 180_000,
  maxConsecutivePollFailures: 5,
  maxPollRetryAfterMs: 10_000,
  maxSeed: 4_294_967_295,
} as const;

/**
 * Catalog model → fal model id (text-to-image). FLUX.1 [schnell] and Flux Realism run only here;
 * the others are a second route beside their own provider (maxSteps 0: the model takes no step
 * count; `negativePrompt`: it takes `negative_prompt`).
 */
const models: Readonly<Record<string, { modelId: string; maxSteps: number; negativePrompt?: true }>> = {
  'flux-schnell': { modelId: 'fal-ai/flux/schnell', maxSteps: 12 },
  'flux-realism-lora': { modelId: 'fal-ai/flux-realism', maxSteps: 50 },
  'flux-dev': { modelId: 'fal-ai/flux/dev', maxSteps: 50 },
  'flux-pro': { modelId: 'fal-ai/flux-pro/new', maxSteps: 50 },
  'flux-1.1-pro': { modelId: 'fal-ai/flux-pro/v1.1', maxSteps: 0 },
  'qwen-image': { modelId: 'fal-ai/qwen-image', maxSteps: 250, negativePrompt: true },
  'stability-sd3.5-large': { modelId: 'fal-ai/stable-diffusion-v35-large', maxSteps: 50, negativePrompt: true },
  'ideogram-v3': { modelId: 'fal-ai/ideogram/v3', maxSteps: 0, negativePrompt: true },
};

/**
 * Catalog model → fal model id for its edits, a second route beside the model's own provider:
 * FLUX.1 Fill for inpainting (`image_url`, `mask_url`: white is repainted, as ours), FLUX.1
 * Kontext [pro] and Qwen-Image Edit for general edits (`image_url` and the instruction). Sources go
 * as base64 data URIs, which fal's file inputs take; the result keeps the source's size.
 */
const edits: Readonly<Record<string, Partial<Record<'inpaint' | 'general-edit', string>>>> = {
  'flux-schnell': { inpaint: 'fal-ai/flux-pro/v1/fill' },
  'flux-dev': { inpaint: 'fal-ai/flux-pro/v1/fill' },
  'flux-pro': { inpaint: 'fal-ai/flux-pro/v1/fill' },
  'flux-1.1-pro': { inpaint: 'fal-ai/flux-pro/v1/fill' },
  'flux-kontext-pro': { 'general-edit': 'fal-ai/flux-pro/kontext' },
  'qwen-image-edit': { 'general-edit': 'fal-ai/qwen-image-edit' },
};

/** The catalog models fal runs (for the README and tests). */
export const falModels: readonly string[] = [...new Set([...Object.keys(models), ...Object.keys(edits)])];

export interface FalOptions {
  /** Sent as `Authorization: Key …`. */
  apiKey: string;
  /** Default https://queue.fal.run. */
  baseUrl?: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
  fetch?: FetchFunction;
}

const failureRules: HttpFailureRules = {
  provider: 'fal',
  isModeration: (_status, body) => /nsfw|content (policy|moderation)|safety|flagged/i.test(JSON.stringify(body)),
};

/**
 * fal's queue API: `POST {queue}/{model}` (JSON input) → `{ request_id, status_url,
 * response_url }`; poll `status_url` until `COMPLETED`; `GET response_url` →
 * `{ images: [{ url }], has_nsfw_concepts, seed }`; download the image at once (its URL expires).
 * A result flagged by fal's safety checker (`has_nsfw_concepts: [true]`) is `moderated`.
 */
export class FalProvider implements ImageProvider {
  readonly id = 'fal' as const;
  private readonly baseUrl: string;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: FalOptions) {
    this.baseUrl = options.baseUrl ?? falBaseUrl;
    this.pollIntervalMs = options.pollIntervalMs ?? falLimits.pollIntervalMs;
    this.timeoutMs = options.timeoutMs ?? falLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  supports(modelId: string, operation: Operation): boolean {
    if (operation === 'text-to-image') return models[modelId] !== undefined;
    return (operation === 'inpaint' || operation === 'general-edit') && edits[modelId]?.[operation] !== undefined;
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    const scope = new CallScope(input.signal, this.timeoutMs, 'fal');
    try {
      const { modelId, body, size } = await this.requestFor(input);
      const request = await this.submit(scope, modelId, body);
      await this.poll(scope, request);
      const imageUrl = await this.result(scope, request);
      const response = await scope.fetch(this.fetchFn, imageUrl, { method: 'GET' }, 'downloading the image');
      if (!response.ok) {
        const failure = await failureFromResponse(response, failureRules, 'downloading the image');
        throw failure.kind === 'rejected' || failure.kind === 'moderated' ? new ProviderError('server_error', failure.message) : failure;
      }
      const image = await toPng(await scope.bytes(response, 'downloading the image'), { size, label: 'fal' });
      scope.check();
      return { ...image, seed: input.seed };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }

  /** The fal model and its documented input for this request, and the size the image must have. */
  private async requestFor(input: GenerationInput): Promise<{ modelId: string; body: Record<string, unknown>; size: { width: number; height: number } }> {
    const seed = Math.min(falLimits.maxSeed, Math.max(0, input.seed));
    if (input.operation === 'text-to-image') {
      const model = models[input.modelId];
      if (model === undefined) throw new ProviderError('rejected', `fal: ${input.modelId} does not offer text-to-image here`);
      const body: Record<string, unknown> = {
        prompt: input.prompt,
        image_size: { width: input.width, height: input.height },
        seed,
        num_images: 1,
        enable_safety_checker: true,
        output_format: 'png',
      };
      if (input.steps !== null && model.maxSteps > 0) body.num_inference_steps = Math.min(model.maxSteps, Math.max(1, input.steps));
      if (model.negativePrompt === true && input.negativePrompt !== null && input.negativePrompt !== '') body.negative_prompt = input.negativePrompt;
      return { modelId: model.modelId, body, size: { width: input.width, height: input.height } };
    }
    const operation = input.operation === 'inpaint' || input.operation === 'general-edit' ? input.operation : undefined;
    const modelId = operation === undefined ? undefined : edits[input.modelId]?.[operation];
    if (modelId === undefined) throw new ProviderError('rejected', `fal: ${input.modelId} does not offer ${input.operation} here`);
    if (input.source === undefined) throw new ProviderError('rejected', `fal: ${input.operation} needs a source image`);
    const size = await imageSize(input.source, 'fal');
    const body: Record<string, unknown> = { prompt: input.prompt, image_url: dataUri(input.source), seed, num_images: 1, output_format: 'png' };
    if (operation === 'inpaint') {
      if (input.mask === undefined) throw new ProviderError('rejected', 'fal: inpaint needs a mask');
      body.mask_url = dataUri(input.mask);
    } else {
      body.enable_safety_checker = true;
    }
    return { modelId, body, size };
  }

  private headers(): Record<string, string> {
    return { authorization: `Key ${this.options.apiKey}`, accept: 'application/json' };
  }

  private async submit(scope: CallScope, modelId: string, body: Record<string, unknown>): Promise<{ id: string; statusUrl: string; responseUrl: string }> {
    const what = `POST /${modelId}`;
    const response = await scope.fetch(this.fetchFn, joinUrl(this.baseUrl, modelId), { method: 'POST', headers: { ...this.headers(), 'content-type': 'application/json' }, body: JSON.stringify(body) }, what);
    if (!response.ok) throw await failureFromResponse(response, failureRules, what);
    const answer = await scope.json(response, what);
    const id = isRecord(answer) ? stringField(answer, 'request_id') : undefined;
    const statusUrl = isRecord(answer) ? stringField(answer, 'status_url') : undefined;
    const responseUrl = isRecord(answer) ? stringField(answer, 'response_url') : undefined;
    if (id === undefined || statusUrl === undefined || responseUrl === undefined) throw new ProviderError('server_error', `fal: ${what} answered no request_id, status_url and response_url`);
    return { id, statusUrl, responseUrl };
  }

  private async poll(scope: CallScope, request: { id: string; statusUrl: string }): Promise<void> {
    let failuresInARow = 0;
    for (;;) {
      await scope.pause(this.pollIntervalMs);
      let status: string | undefined;
      try {
        const response = await scope.fetch(this.fetchFn, request.statusUrl, { method: 'GET', headers: this.headers() }, 'polling');
        if (!response.ok) throw await failureFromResponse(response, failureRules, 'polling');
        const answer = await scope.json(response, 'polling');
        status = isRecord(answer) ? stringField(answer, 'status') : undefined;
        failuresInARow = 0;
      } catch (error) {
        const failure = scope.failure(error, 'polling');
        if (!failure.retryable || failure.kind === 'timeout') throw failure;
        failuresInARow += 1;
        if (failuresInARow > falLimits.maxConsecutivePollFailures) throw failure;
        await scope.pause(Math.min(failure.retryAfterMs ?? this.pollIntervalMs, falLimits.maxPollRetryAfterMs));
        continue;
      }
      if (status === undefined) throw new ProviderError('server_error', `fal: request ${request.id}: a status answer without a status`);
      if (status === 'COMPLETED') return;
      if (status === 'FAILED' || status === 'CANCELED') throw new ProviderError('server_error', `fal: request ${request.id} ${status.toLowerCase()}`);
      // IN_QUEUE, IN_PROGRESS: keep polling until the deadline.
    }
  }

  private async result(scope: CallScope, request: { id: string; responseUrl: string }): Promise<string> {
    const response = await scope.fetch(this.fetchFn, request.responseUrl, { method: 'GET', headers: this.headers() }, 'reading the result');
    if (!response.ok) throw await failureFromResponse(response, failureRules, 'reading the result');
    const answer = await scope.json(response, 'reading the result');
    if (!isRecord(answer)) throw new ProviderError('server_error', `fal: request ${request.id}: the result is not an object`);
    const flags = answer.has_nsfw_concepts;
    if (Array.isArray(flags) && flags[0] === true) throw new ProviderError('moderated', `fal: request ${request.id}: the safety checker flagged the image`);
    const images = answer.images;
    const first: unknown = Array.isArray(images) ? images[0] : undefined;
    const url = isRecord(first) ? stringField(first, 'url') : undefined;
    if (url === undefined) throw new ProviderError('server_error', `fal: request ${request.id}: the result has no image`);
    return url;
  }
}

/** A PNG as a base64 data URI (fal's file inputs take one where they take a URL). */
function dataUri(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}
