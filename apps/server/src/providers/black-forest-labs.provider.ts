import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { imageSize, toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from './provider.js';

/** The real host; tests point `baseUrl` at a local fake. */
export const blackForestLabsBaseUrl = 'https://api.bfl.ai';

export const blackForestLabsLimits = {
  /** Default pause between two polls of a task (BFL suggests polling about twice a second). */
  pollIntervalMs: 750,
  /** Default budget of one `generate`: submit, every poll and the download. */
  timeoutMs: 180_000,
  /** Poll answers in a row that may fail (429, 5xx, network) before the call gives up: the task is paid for already. */
  maxConsecutivePollFailures: 5,
  /** Longest pause a poll's Retry-After may impose. */
  maxPollRetryAfterMs: 10_000,
  /** Text-to-image sides: multiples of 32 within 256..1440 px. */
  sideMultiple: 32,
  minSide: 256,
  maxSide: 1440,
  /** Fill and expand take 15..50 steps; text-to-image 1..50. */
  minEditSteps: 15,
  maxSteps: 50,
  /** Expand adds at most this many pixels on a side. */
  maxExpandPixels: 2048,
  /** FLUX.2 outputs are at most 4 MP. */
  maxFlux2Megapixels: 4,
  /** Highest seed BFL takes (the job's seeds are 32-bit). */
  maxSeed: 4_294_967_295,
} as const;

interface SideRules {
  multiple: number;
  min: number;
  max: number;
}

/** FLUX.1: multiples of 32 within 256..1440 px. */
const flux1Sides: SideRules = { multiple: blackForestLabsLimits.sideMultiple, min: blackForestLabsLimits.minSide, max: blackForestLabsLimits.maxSide };
/** FLUX.2: multiples of 32 within 256..2048 px, at most 4 MP. */
const flux2Sides: SideRules = { multiple: 32, min: 256, max: 2048 };

/**
 * What BFL runs for each catalog model: a text-to-image endpoint; FLUX.1 Fill/Expand for inpaint
 * and outpaint; an edit endpoint for general edit (FLUX.2 with `input_image` and an explicit
 * size, FLUX.1 Kontext with `input_image` and an aspect ratio). FLUX.1 [schnell] has no BFL API
 * endpoint: it runs elsewhere.
 */
interface BflModel {
  textToImage?: { path: string; takesSteps: boolean; sides: SideRules };
  fillAndExpand?: true;
  edit?: { path: string; kind: 'flux2' | 'kontext' };
}

const bflModels: Readonly<Record<string, BflModel>> = {
  'flux-dev': { textToImage: { path: '/v1/flux-dev', takesSteps: true, sides: flux1Sides }, fillAndExpand: true },
  'flux-pro': { textToImage: { path: '/v1/flux-pro', takesSteps: true, sides: flux1Sides }, fillAndExpand: true },
  'flux-1.1-pro': { textToImage: { path: '/v1/flux-pro-1.1', takesSteps: false, sides: flux1Sides }, fillAndExpand: true },
  'flux-2-pro': { textToImage: { path: '/v1/flux-2-pro', takesSteps: false, sides: flux2Sides }, edit: { path: '/v1/flux-2-pro', kind: 'flux2' } },
  'flux-2-flex': { textToImage: { path: '/v1/flux-2-flex', takesSteps: true, sides: flux2Sides }, edit: { path: '/v1/flux-2-flex', kind: 'flux2' } },
  'flux-kontext-pro': { edit: { path: '/v1/flux-kontext-pro', kind: 'kontext' } },
};
const fillPath = '/v1/flux-pro-1.0-fill';
const expandPath = '/v1/flux-pro-1.0-expand';

type BflRequest = { path: string; body: Record<string, unknown>; size: { width: number; height: number } };

export interface BlackForestLabsOptions {
  /** Sent as `x-key`. An empty key sends none, and BFL answers 403 (→ 'rejected'). */
  apiKey: string;
  /** Default https://api.bfl.ai. */
  baseUrl?: string;
  pollIntervalMs?: number;
  /** Budget of one `generate` call; past it → 'timeout'. */
  timeoutMs?: number;
  fetch?: FetchFunction;
  /** BFL moderation tolerance, 0 (strict) .. 6; default 2 (BFL's default). */
  safetyTolerance?: number;
}

const failureRules: HttpFailureRules = {
  provider: 'Black Forest Labs',
  bodyRetryAfterMs: (body) => {
    if (!isRecord(body)) return undefined;
    const seconds = body.retry_after;
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  },
};

/**
 * The Black Forest Labs (FLUX) API: submit a task (`x-key` header, JSON body), poll its
 * `polling_url` until `Ready`, download `result.sample` (a short-lived signed URL) and return a PNG.
 */
export class BlackForestLabsProvider implements ImageProvider {
  readonly id = 'black-forest-labs' as const;
  private readonly baseUrl: string;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;
  private readonly safetyTolerance: number;

  constructor(private readonly options: BlackForestLabsOptions) {
    this.baseUrl = options.baseUrl ?? blackForestLabsBaseUrl;
    this.pollIntervalMs = options.pollIntervalMs ?? blackForestLabsLimits.pollIntervalMs;
    this.timeoutMs = options.timeoutMs ?? blackForestLabsLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.safetyTolerance = options.safetyTolerance ?? 2;
  }

  supports(modelId: string, operation: Operation): boolean {
    const model = bflModels[modelId];
    if (model === undefined) return false;
    if (operation === 'text-to-image') return model.textToImage !== undefined;
    if (operation === 'inpaint' || operation === 'outpaint') return model.fillAndExpand === true;
    return operation === 'general-edit' && model.edit !== undefined;
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    if (!this.supports(input.modelId, input.operation)) {
      throw new ProviderError('rejected', `Black Forest Labs: ${input.modelId} does not offer ${input.operation} here`);
    }
    const scope = new CallScope(input.signal, this.timeoutMs, 'Black Forest Labs');
    try {
      scope.check();
      const request = await this.buildRequest(input);
      const task = await this.submit(scope, request.path, request.body);
      const ready = await this.poll(scope, task);
      const bytes = await this.download(scope, ready.sample);
      const image = await toPng(bytes, { size: request.size, label: 'Black Forest Labs' });
      scope.check();
      // BFL answers the submission (and, for FLUX.2, the finished task) with what the task cost in
      // its credits (1 credit = $0.01); the finished task's figure wins.
      const cost = ready.cost ?? task.cost;
      return { ...image, seed: input.seed, ...(cost === undefined ? {} : { cost: { amount: cost, unit: 'bfl-credits' } }) };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }

  private async buildRequest(input: GenerationInput): Promise<BflRequest> {
    const common = {
      prompt: input.prompt,
      seed: clampSeed(input.seed),
      output_format: 'png',
      safety_tolerance: this.safetyTolerance,
      prompt_upsampling: false,
    };
    const model = bflModels[input.modelId];
    if (model === undefined) throw new ProviderError('rejected', `Black Forest Labs: no endpoint for ${input.modelId}`);
    if (input.operation === 'text-to-image') {
      const endpoint = model.textToImage;
      if (endpoint === undefined) throw new ProviderError('rejected', `Black Forest Labs: no text-to-image endpoint for ${input.modelId}`);
      const body: Record<string, unknown> = { ...common, width: snapSide(input.width, endpoint.sides), height: snapSide(input.height, endpoint.sides) };
      if (endpoint.takesSteps && input.steps !== null) body.steps = clamp(input.steps, 1, blackForestLabsLimits.maxSteps);
      return { path: endpoint.path, body, size: { width: input.width, height: input.height } };
    }
    const source = input.source;
    if (source === undefined) throw new ProviderError('rejected', `Black Forest Labs: ${input.operation} needs a source image`);
    const sourceSize = await imageSize(source, 'Black Forest Labs');
    if (input.operation === 'general-edit' && model.edit !== undefined) return editRequest(model.edit, common, source, sourceSize);
    const steps = input.steps === null ? {} : { steps: clamp(input.steps, blackForestLabsLimits.minEditSteps, blackForestLabsLimits.maxSteps) };
    if (input.operation === 'inpaint') {
      if (input.mask === undefined) throw new ProviderError('rejected', 'Black Forest Labs: inpaint needs a mask');
      return {
        path: fillPath,
        body: { ...common, ...steps, image: source.toString('base64'), mask: input.mask.toString('base64') },
        size: sourceSize,
      };
    }
    return expandRequest(input, { ...common, ...steps }, source, sourceSize);
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey !== '') headers['x-key'] = this.options.apiKey;
    return headers;
  }

  private async submit(scope: CallScope, path: string, body: Record<string, unknown>): Promise<{ id: string; pollingUrl: string; cost: number | undefined }> {
    const response = await scope.fetch(
      this.fetchFn,
      joinUrl(this.baseUrl, path),
      { method: 'POST', headers: { ...this.headers(), 'content-type': 'application/json' }, body: JSON.stringify(body) },
      `POST ${path}`,
    );
    if (!response.ok) throw await failureFromResponse(response, failureRules, `POST ${path}`);
    const answer = await scope.json(response, `POST ${path}`);
    const id = isRecord(answer) ? stringField(answer, 'id') : undefined;
    if (!isRecord(answer) || id === undefined) {
      throw new ProviderError('server_error', `Black Forest Labs: POST ${path} answered no task id`);
    }
    const pollingUrl = stringField(answer, 'polling_url') ?? joinUrl(this.baseUrl, `/v1/get_result?id=${encodeURIComponent(id)}`);
    return { id, pollingUrl: new URL(pollingUrl, this.baseUrl).toString(), cost: costField(answer) };
  }

  /** Polls until `Ready` and returns the sample's URL (and the cost, when the answer has one). */
  private async poll(scope: CallScope, task: { id: string; pollingUrl: string }): Promise<{ sample: string; cost: number | undefined }> {
    let failuresInARow = 0;
    for (;;) {
      await scope.pause(this.pollIntervalMs);
      let answer: unknown;
      try {
        const response = await scope.fetch(this.fetchFn, task.pollingUrl, { method: 'GET', headers: this.headers() }, 'polling');
        if (!response.ok) throw await failureFromResponse(response, failureRules, 'polling');
        answer = await scope.json(response, 'polling');
        failuresInARow = 0;
      } catch (error) {
        const failure = scope.failure(error, 'polling');
        // A transient poll failure does not lose the (paid) task: wait and ask again, a few times.
        if (!failure.retryable || failure.kind === 'timeout') throw failure;
        failuresInARow += 1;
        if (failuresInARow > blackForestLabsLimits.maxConsecutivePollFailures) throw failure;
        await scope.pause(Math.min(failure.retryAfterMs ?? this.pollIntervalMs, blackForestLabsLimits.maxPollRetryAfterMs));
        continue;
      }
      const status = isRecord(answer) ? stringField(answer, 'status') : undefined;
      switch (status) {
        case 'Ready': {
          const result = isRecord(answer) ? answer.result : undefined;
          const sample = isRecord(result) ? stringField(result, 'sample') : undefined;
          if (sample === undefined) throw new ProviderError('server_error', `Black Forest Labs: task ${task.id} is Ready without a sample`);
          return { sample, cost: isRecord(answer) ? costField(answer) : undefined };
        }
        case 'Request Moderated':
        case 'Content Moderated':
          throw new ProviderError('moderated', `Black Forest Labs: task ${task.id}: ${status}${moderationDetails(answer)}`);
        case 'Error':
          throw new ProviderError('server_error', `Black Forest Labs: task ${task.id} failed${errorDetails(answer)}`);
        case 'Task not found':
          throw new ProviderError('server_error', `Black Forest Labs: task ${task.id} not found (expired or lost)`);
        default:
          // 'Pending' and any status BFL may add later: keep polling until the deadline.
          break;
      }
    }
  }

  /** The sample URL is pre-signed: it needs (and gets) no key. */
  private async download(scope: CallScope, url: string): Promise<Buffer> {
    const response = await scope.fetch(this.fetchFn, url, { method: 'GET' }, 'downloading the sample');
    if (!response.ok) {
      const failure = await failureFromResponse(response, failureRules, 'downloading the sample');
      // An expired or missing sample is worth a new task, not a rejection.
      throw failure.kind === 'rejected' ? new ProviderError('server_error', failure.message) : failure;
    }
    return scope.bytes(response, 'downloading the sample');
  }
}

function snapSide(side: number, rules: SideRules = flux1Sides): number {
  return clamp(Math.round(side / rules.multiple) * rules.multiple, rules.min, rules.max);
}

/** FLUX.2 edits take the output size (the source's, scaled to at most 4 MP); Kontext an aspect ratio. */
function editRequest(
  edit: NonNullable<BflModel['edit']>,
  common: Record<string, unknown>,
  source: Buffer,
  sourceSize: { width: number; height: number },
): BflRequest {
  const image = source.toString('base64');
  if (edit.kind === 'kontext') {
    return { path: edit.path, body: { ...common, input_image: image, aspect_ratio: kontextAspectRatio(sourceSize.width, sourceSize.height) }, size: sourceSize };
  }
  const scale = Math.min(1, Math.sqrt(blackForestLabsLimits.maxFlux2Megapixels * 1_000_000 / (sourceSize.width * sourceSize.height)));
  const width = Math.min(flux2Sides.max, Math.floor((sourceSize.width * scale) / flux2Sides.multiple) * flux2Sides.multiple);
  const height = Math.min(flux2Sides.max, Math.floor((sourceSize.height * scale) / flux2Sides.multiple) * flux2Sides.multiple);
  return {
    path: edit.path,
    body: { ...common, input_image: image, width: Math.max(flux2Sides.min, width), height: Math.max(flux2Sides.min, height) },
    size: sourceSize,
  };
}

/** FLUX.1 Kontext takes "W:H" between 21:9 and 9:21: the source's ratio, reduced, within those bounds. */
export function kontextAspectRatio(width: number, height: number): string {
  const ratio = width / height;
  if (ratio > 21 / 9) return '21:9';
  if (ratio < 9 / 21) return '9:21';
  const divisor = gcd(width, height);
  return `${String(width / divisor)}:${String(height / divisor)}`;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function expandRequest(input: GenerationInput, common: Record<string, unknown>, source: Buffer, sourceSize: { width: number; height: number }): BflRequest {
  const geometry = input.outpaint;
  if (geometry === undefined) throw new ProviderError('rejected', 'Black Forest Labs: outpaint needs the pixels to add on each side');
  for (const side of ['top', 'bottom', 'left', 'right'] as const) {
    const value = geometry[side];
    if (!Number.isInteger(value) || value < 0 || value > blackForestLabsLimits.maxExpandPixels) {
      throw new ProviderError('rejected', `Black Forest Labs: expand ${side} must be within 0..${blackForestLabsLimits.maxExpandPixels}`);
    }
  }
  return {
    path: expandPath,
    body: { ...common, image: source.toString('base64'), top: geometry.top, bottom: geometry.bottom, left: geometry.left, right: geometry.right },
    size: { width: sourceSize.width + geometry.left + geometry.right, height: sourceSize.height + geometry.top + geometry.bottom },
  };
}

function costField(answer: Record<string, unknown>): number | undefined {
  const cost = answer.cost;
  return typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : undefined;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Math.round(value)));
}

function clampSeed(seed: number): number {
  return clamp(seed, 0, blackForestLabsLimits.maxSeed);
}

function moderationDetails(answer: unknown): string {
  if (!isRecord(answer)) return '';
  const details = answer.details;
  if (details === undefined || details === null) return '';
  return ` (${JSON.stringify(details)})`;
}

function errorDetails(answer: unknown): string {
  if (!isRecord(answer)) return '';
  for (const key of ['details', 'error', 'result']) {
    const value = answer[key];
    if (value !== undefined && value !== null) return `: ${typeof value === 'string' ? value : JSON.stringify(value)}`;
  }
  return '';
}
