import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { imageSize, toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from './provider.js';

/** The real host; tests point `baseUrl` at a local fake. */
export const stabilityBaseUrl = 'https://api.stability.ai';

export const stabilityLimits = {
  /** Default pause between polls of an async result (Stability asks for no more than one poll per 10 s). */
  pollIntervalMs: 10_000,
  /** Default budget of one `generate` (creative upscales take a while). */
  timeoutMs: 300_000,
  /** After a 429 Stability locks the key out for 60 s; used when the answer has no Retry-After. */
  rateLimitPauseMs: 60_000,
  /** Poll answers in a row that may fail (429, 5xx, network) before the call gives up. */
  maxConsecutivePollFailures: 5,
  /** Longest pause a poll's Retry-After may impose. */
  maxPollRetryAfterMs: 60_000,
  /** Outpaint adds at most this many pixels on a side. */
  maxOutpaintPixels: 2000,
  /** Seeds Stability takes: 0 (random) .. 4294967294. */
  maxSeed: 4_294_967_294,
} as const;

/** The aspect ratios text-to-image takes (it takes no width and height). */
export const stabilityAspectRatios = ['21:9', '16:9', '3:2', '5:4', '1:1', '4:5', '2:3', '9:16', '9:21'] as const;
export type StabilityAspectRatio = (typeof stabilityAspectRatios)[number];

/** The supported ratio nearest to width:height (compared on a log scale, so 2:1 and 1:2 are equally far from 1:1). */
export function nearestAspectRatio(width: number, height: number): StabilityAspectRatio {
  const wanted = Math.log(width / height);
  let best: StabilityAspectRatio = '1:1';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of stabilityAspectRatios) {
    const [w, h] = ratio.split(':').map(Number);
    const distance = Math.abs(Math.log((w ?? 1) / (h ?? 1)) - wanted);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}

const textToImage: Readonly<Record<string, { path: string; model?: string; negativePrompt: boolean }>> = {
  'stability-ultra': { path: '/v2beta/stable-image/generate/ultra', negativePrompt: true },
  'stability-core': { path: '/v2beta/stable-image/generate/core', negativePrompt: true },
  'stability-sd3.5-large': { path: '/v2beta/stable-image/generate/sd3', model: 'sd3.5-large', negativePrompt: true },
  // The turbo model ignores negative prompts; Stability documents it as not supported there.
  'stability-sd3.5-large-turbo': { path: '/v2beta/stable-image/generate/sd3', model: 'sd3.5-large-turbo', negativePrompt: false },
  'stability-sd3.5-medium': { path: '/v2beta/stable-image/generate/sd3', model: 'sd3.5-medium', negativePrompt: true },
};

const editPaths: Readonly<Partial<Record<Operation, string>>> = {
  inpaint: '/v2beta/stable-image/edit/inpaint',
  outpaint: '/v2beta/stable-image/edit/outpaint',
  'remove-background': '/v2beta/stable-image/edit/remove-background',
  'search-and-replace': '/v2beta/stable-image/edit/search-and-replace',
  'search-and-recolor': '/v2beta/stable-image/edit/search-and-recolor',
  'replace-background-and-relight': '/v2beta/stable-image/edit/replace-background-and-relight',
};

const upscalePaths: Readonly<Partial<Record<Operation, string>>> = {
  'upscale-fast': '/v2beta/stable-image/upscale/fast',
  'upscale-conservative': '/v2beta/stable-image/upscale/conservative',
  'upscale-creative': '/v2beta/stable-image/upscale/creative',
};

/** Conservative and creative upscales require a prompt; this one is sent when the job has none. */
export const defaultUpscalePrompt = 'a sharp, detailed, high-resolution version of this image';

export interface StabilityOptions {
  /** Sent as `Authorization: Bearer …`. An empty key sends none, and Stability answers 401 (→ 'rejected'). */
  apiKey: string;
  /** Default https://api.stability.ai. */
  baseUrl?: string;
  pollIntervalMs?: number;
  /** Budget of one `generate` call; past it → 'timeout'. */
  timeoutMs?: number;
  fetch?: FetchFunction;
  /** Sent as `stability-client-id`. Default 'atelier'. */
  clientId?: string;
}

const failureRules: HttpFailureRules = {
  provider: 'Stability AI',
  isModeration: (_status, body) => isRecord(body) && body.name === 'content_moderation',
  bodyRetryAfterMs: () => stabilityLimits.rateLimitPauseMs,
};

type FormValue = string | { bytes: Buffer; filename: string; type: string };

interface PlannedRequest {
  path: string;
  fields: Array<[string, FormValue]>;
  /** The size the result is brought to; undefined keeps the provider's size (upscales). */
  size: { width: number; height: number } | undefined;
}

/**
 * Stability AI's REST API v2beta: multipart/form-data requests with `Authorization: Bearer`,
 * `accept: image/*`. Synchronous endpoints answer the image (with `finish-reason` and `seed`
 * headers); asynchronous ones (replace-background-and-relight, creative upscale) answer `{ id }`,
 * polled at `/v2beta/results/{id}` (202 while in progress, 200 with the image).
 */
export class StabilityProvider implements ImageProvider {
  readonly id = 'stability' as const;
  private readonly baseUrl: string;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: StabilityOptions) {
    this.baseUrl = options.baseUrl ?? stabilityBaseUrl;
    this.pollIntervalMs = options.pollIntervalMs ?? stabilityLimits.pollIntervalMs;
    this.timeoutMs = options.timeoutMs ?? stabilityLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  supports(modelId: string, operation: Operation): boolean {
    if (textToImage[modelId] !== undefined) return operation === 'text-to-image';
    if (modelId === 'stability-edit') return editPaths[operation] !== undefined;
    if (modelId === 'stability-upscale') return upscalePaths[operation] !== undefined;
    return false;
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    if (!this.supports(input.modelId, input.operation)) {
      throw new ProviderError('rejected', `Stability AI: ${input.modelId} does not offer ${input.operation}`);
    }
    const scope = new CallScope(input.signal, this.timeoutMs, 'Stability AI');
    try {
      scope.check();
      const plan = await this.plan(input);
      const response = await scope.fetch(
        this.fetchFn,
        joinUrl(this.baseUrl, plan.path),
        { method: 'POST', headers: this.headers(), body: toFormData(plan.fields) },
        `POST ${plan.path}`,
      );
      if (!response.ok) throw await failureFromResponse(response, failureRules, `POST ${plan.path}`);
      let result = await this.readResult(scope, response, `POST ${plan.path}`);
      if (result.kind === 'pending') result = await this.poll(scope, result.id);
      const image = await toPng(result.bytes, { size: plan.size, label: 'Stability AI' });
      scope.check();
      return { ...image, seed: result.seed ?? input.seed };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'image/*', 'stability-client-id': this.options.clientId ?? 'atelier' };
    if (this.options.apiKey !== '') headers.authorization = `Bearer ${this.options.apiKey}`;
    return headers;
  }

  private async plan(input: GenerationInput): Promise<PlannedRequest> {
    const seed = String(Math.min(stabilityLimits.maxSeed, Math.max(0, Math.round(input.seed))));
    const negative: Array<[string, FormValue]> =
      input.negativePrompt !== null && input.negativePrompt.trim() !== '' ? [['negative_prompt', input.negativePrompt]] : [];
    const t2i = textToImage[input.modelId];
    if (t2i !== undefined) {
      const fields: Array<[string, FormValue]> = [
        ['prompt', input.prompt],
        ['aspect_ratio', nearestAspectRatio(input.width, input.height)],
        ['seed', seed],
        ['output_format', 'png'],
      ];
      if (t2i.model !== undefined) fields.push(['model', t2i.model], ['mode', 'text-to-image']);
      if (t2i.negativePrompt) fields.push(...negative);
      return { path: t2i.path, fields, size: { width: input.width, height: input.height } };
    }

    const source = input.source;
    if (source === undefined) throw new ProviderError('rejected', `Stability AI: ${input.operation} needs a source image`);
    const sourceSize = await imageSize(source, 'Stability AI');
    const image: FormValue = { bytes: source, filename: 'source.png', type: 'image/png' };
    const png: Array<[string, FormValue]> = [['output_format', 'png']];

    const upscalePath = upscalePaths[input.operation];
    if (input.modelId === 'stability-upscale' && upscalePath !== undefined) {
      if (input.operation === 'upscale-fast') return { path: upscalePath, fields: [['image', image], ...png], size: undefined };
      const prompt = input.prompt.trim() === '' ? defaultUpscalePrompt : input.prompt;
      return { path: upscalePath, fields: [['image', image], ['prompt', prompt], ...negative, ['seed', seed], ...png], size: undefined };
    }

    return editRequest(input, { image, png, negative, seed, sourceSize });
  }

  /** An answer of a generate, edit, upscale or results call: the image, or an id still running. */
  private async readResult(
    scope: CallScope,
    response: Response,
    what: string,
  ): Promise<{ kind: 'image'; bytes: Buffer; seed: number | undefined } | { kind: 'pending'; id: string }> {
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.startsWith('image/')) {
      const bytes = await scope.bytes(response, what);
      checkFinishReason(response.headers.get('finish-reason'), what);
      return { kind: 'image', bytes, seed: parseSeed(response.headers.get('seed')) };
    }
    const body = await scope.json(response, what);
    if (!isRecord(body)) throw new ProviderError('server_error', `Stability AI: ${what} answered an unexpected body`);
    const base64 = stringField(body, 'image');
    if (base64 !== undefined) {
      checkFinishReason(stringField(body, 'finish_reason') ?? null, what);
      const seed = body.seed;
      return { kind: 'image', bytes: Buffer.from(base64, 'base64'), seed: typeof seed === 'number' ? seed : parseSeed(String(seed)) };
    }
    const id = stringField(body, 'id');
    if (id !== undefined) return { kind: 'pending', id };
    throw new ProviderError('server_error', `Stability AI: ${what} answered neither an image nor a generation id`);
  }

  private async poll(scope: CallScope, id: string): Promise<{ kind: 'image'; bytes: Buffer; seed: number | undefined }> {
    const url = joinUrl(this.baseUrl, `/v2beta/results/${encodeURIComponent(id)}`);
    let failuresInARow = 0;
    for (;;) {
      await scope.pause(this.pollIntervalMs);
      try {
        const response = await scope.fetch(this.fetchFn, url, { method: 'GET', headers: this.headers() }, 'polling');
        if (!response.ok) throw await failureFromResponse(response, failureRules, 'polling');
        failuresInARow = 0;
        if (response.status === 202) {
          await scope.text(response, 'polling');
          continue;
        }
        const result = await this.readResult(scope, response, 'polling');
        if (result.kind === 'image') return result;
      } catch (error) {
        const failure = scope.failure(error, 'polling');
        // The generation is paid for already: ride out a few transient poll failures.
        if (!failure.retryable || failure.kind === 'timeout') throw failure;
        failuresInARow += 1;
        if (failuresInARow > stabilityLimits.maxConsecutivePollFailures) throw failure;
        await scope.pause(Math.min(failure.retryAfterMs ?? this.pollIntervalMs, stabilityLimits.maxPollRetryAfterMs));
      }
    }
  }
}

function searchWords(input: GenerationInput): string {
  const words = input.searchPrompt?.trim() ?? '';
  if (words === '') throw new ProviderError('rejected', `Stability AI: ${input.operation} needs what to search for`);
  return words;
}

function checkFinishReason(reason: string | null, what: string): void {
  if (reason === 'CONTENT_FILTERED') {
    throw new ProviderError('moderated', `Stability AI: ${what}: the result was filtered by content moderation (finish_reason CONTENT_FILTERED)`);
  }
  if (reason !== null && reason !== 'SUCCESS') {
    throw new ProviderError('server_error', `Stability AI: ${what} finished with ${reason}`);
  }
}

function parseSeed(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function toFormData(fields: Array<[string, FormValue]>): FormData {
  const form = new FormData();
  for (const [name, value] of fields) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([new Uint8Array(value.bytes)], { type: value.type }), value.filename);
  }
  return form;
}

/** The request of an edit of a source image (inpaint, outpaint, background, search and replace or recolor, relight). */
function editRequest(
  input: GenerationInput,
  parts: { image: FormValue; png: Array<[string, FormValue]>; negative: Array<[string, FormValue]>; seed: string; sourceSize: { width: number; height: number } },
): PlannedRequest {
  const { image, png, negative, seed, sourceSize } = parts;
  const path = editPaths[input.operation];
  if (path === undefined) throw new ProviderError('rejected', `Stability AI: no endpoint for ${input.operation}`);
  switch (input.operation) {
    case 'inpaint': {
      if (input.mask === undefined) throw new ProviderError('rejected', 'Stability AI: inpaint needs a mask');
      const mask: FormValue = { bytes: input.mask, filename: 'mask.png', type: 'image/png' };
      return { path, fields: [['image', image], ['mask', mask], ['prompt', input.prompt], ...negative, ['seed', seed], ...png], size: sourceSize };
    }
    case 'outpaint': {
      const geometry = input.outpaint;
      if (geometry === undefined) throw new ProviderError('rejected', 'Stability AI: outpaint needs the pixels to add on each side');
      const sides = { left: geometry.left, right: geometry.right, up: geometry.top, down: geometry.bottom };
      for (const [side, value] of Object.entries(sides)) {
        if (!Number.isInteger(value) || value < 0 || value > stabilityLimits.maxOutpaintPixels) {
          throw new ProviderError('rejected', `Stability AI: outpaint ${side} must be within 0..${stabilityLimits.maxOutpaintPixels}`);
        }
      }
      const fields: Array<[string, FormValue]> = [['image', image]];
      for (const [side, value] of Object.entries(sides)) if (value > 0) fields.push([side, String(value)]);
      if (input.prompt.trim() !== '') fields.push(['prompt', input.prompt]);
      fields.push(['seed', seed], ...png);
      return {
        path,
        fields,
        size: { width: sourceSize.width + geometry.left + geometry.right, height: sourceSize.height + geometry.top + geometry.bottom },
      };
    }
    case 'remove-background':
      return { path, fields: [['image', image], ...png], size: sourceSize };
    case 'search-and-replace':
      return {
        path,
        fields: [['image', image], ['prompt', input.prompt], ['search_prompt', searchWords(input)], ...negative, ['seed', seed], ...png],
        size: sourceSize,
      };
    case 'search-and-recolor':
      return {
        path,
        fields: [['image', image], ['prompt', input.prompt], ['select_prompt', searchWords(input)], ...negative, ['seed', seed], ...png],
        size: sourceSize,
      };
    case 'replace-background-and-relight':
      return {
        path,
        fields: [['subject_image', image], ['background_prompt', input.prompt], ...negative, ['seed', seed], ...png],
        size: sourceSize,
      };
    default:
      throw new ProviderError('rejected', `Stability AI: no endpoint for ${input.operation}`);
  }
}
