import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { imageSize, toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from './provider.js';

/** The real host; tests point `baseUrl` at a local fake. */
export const wavespeedBaseUrl = 'https://api.wavespeed.ai';

export const wavespeedLimits = {
  /** Default pause between two polls of a prediction. */
  pollIntervalMs: 1_000,
  /** Default budget of one `generate`: upload, submit, every poll and the download. */
  timeoutMs: 180_000,
  /** Poll answers in a row that may fail (429, 5xx, network) before the call gives up. */
  maxConsecutivePollFailures: 5,
  maxPollRetryAfterMs: 10_000,
  /** Highest seed sent (WaveSpeed takes -1 for random, else a 32-bit seed). */
  maxSeed: 2_147_483_647,
} as const;

/** Ideogram V3 on WaveSpeed takes an aspect ratio, not a size. */
export const ideogramAspectRatios = ['1:1', '16:9', '9:16', '4:3', '3:4'] as const;

interface Route {
  /** Path after /api/v3/. */
  path: string;
  build: (input: GenerationInput, sourceUrl: string | undefined) => Record<string, unknown>;
}

/** Catalog model × operation → WaveSpeed model route (documented at wavespeed.ai/docs/docs-api). */
const routes: Readonly<Record<string, Partial<Record<Operation, Route>>>> = {
  'ideogram-v3': {
    'text-to-image': {
      path: 'ideogram-ai/ideogram-v3-turbo',
      build: (input) => ({ prompt: input.prompt, aspect_ratio: nearestIdeogramRatio(input.width, input.height), style: 'Auto' }),
    },
  },
  'qwen-image': {
    'text-to-image': {
      path: 'wavespeed-ai/qwen-image/text-to-image',
      build: (input) => ({ prompt: input.prompt, size: `${String(input.width)}*${String(input.height)}`, seed: clampSeed(input.seed), output_format: 'png' }),
    },
  },
  'qwen-image-edit': {
    'general-edit': {
      path: 'wavespeed-ai/qwen-image/edit',
      build: (input, sourceUrl) => ({ prompt: input.prompt, image: sourceUrl, seed: clampSeed(input.seed), output_format: 'png' }),
    },
  },
};

export interface WavespeedOptions {
  /** Sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Default https://api.wavespeed.ai. */
  baseUrl?: string;
  pollIntervalMs?: number;
  timeoutMs?: number;
  fetch?: FetchFunction;
}

const failureRules: HttpFailureRules = {
  provider: 'WaveSpeed',
  isModeration: (_status, body) => mentionsModeration(errorText(body)),
};

/**
 * The WaveSpeed AI API: upload a source image (`POST /api/v3/media/upload/binary`) when the
 * operation has one, submit a prediction (`POST /api/v3/{model}`), poll
 * `GET /api/v3/predictions/{id}/result` until `completed` or `failed`, then download
 * `outputs[0]` at once (result URLs expire) and return it as a PNG.
 */
export class WavespeedProvider implements ImageProvider {
  readonly id = 'wavespeed' as const;
  private readonly baseUrl: string;
  private readonly pollIntervalMs: number;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: WavespeedOptions) {
    this.baseUrl = options.baseUrl ?? wavespeedBaseUrl;
    this.pollIntervalMs = options.pollIntervalMs ?? wavespeedLimits.pollIntervalMs;
    this.timeoutMs = options.timeoutMs ?? wavespeedLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  supports(modelId: string, operation: Operation): boolean {
    return routes[modelId]?.[operation] !== undefined;
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    const route = routes[input.modelId]?.[input.operation];
    if (route === undefined) throw new ProviderError('rejected', `WaveSpeed: ${input.modelId} does not offer ${input.operation} here`);
    const scope = new CallScope(input.signal, this.timeoutMs, 'WaveSpeed');
    try {
      scope.check();
      let size = { width: input.width, height: input.height };
      let sourceUrl: string | undefined;
      if (input.operation !== 'text-to-image') {
        if (input.source === undefined) throw new ProviderError('rejected', `WaveSpeed: ${input.operation} needs a source image`);
        size = await imageSize(input.source, 'WaveSpeed');
        sourceUrl = await this.upload(scope, input.source);
      }
      const predictionId = await this.submit(scope, route.path, route.build(input, sourceUrl));
      const outputUrl = await this.poll(scope, predictionId);
      const bytes = await this.download(scope, outputUrl);
      const image = await toPng(bytes, { size, label: 'WaveSpeed' });
      scope.check();
      return { ...image, seed: input.seed };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }

  private authorization(): Record<string, string> {
    return { authorization: `Bearer ${this.options.apiKey}` };
  }

  private async upload(scope: CallScope, png: Buffer): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'source.png');
    const what = 'POST /api/v3/media/upload/binary';
    const response = await scope.fetch(this.fetchFn, joinUrl(this.baseUrl, '/api/v3/media/upload/binary'), { method: 'POST', headers: this.authorization(), body: form }, what);
    if (!response.ok) throw await failureFromResponse(response, failureRules, what);
    const data = dataOf(await scope.json(response, what));
    const url = data === undefined ? undefined : stringField(data, 'download_url');
    if (url === undefined) throw new ProviderError('server_error', `WaveSpeed: ${what} answered no download_url`);
    return url;
  }

  private async submit(scope: CallScope, path: string, body: Record<string, unknown>): Promise<string> {
    const what = `POST /api/v3/${path}`;
    const response = await scope.fetch(
      this.fetchFn,
      joinUrl(this.baseUrl, `/api/v3/${path}`),
      { method: 'POST', headers: { ...this.authorization(), 'content-type': 'application/json' }, body: JSON.stringify({ ...body, enable_base64_output: false, enable_sync_mode: false }) },
      what,
    );
    if (!response.ok) throw await failureFromResponse(response, failureRules, what);
    const answer = await scope.json(response, what);
    const data = dataOf(answer);
    const id = data === undefined ? undefined : stringField(data, 'id');
    if (id === undefined) throw new ProviderError('server_error', `WaveSpeed: ${what} answered no prediction id`);
    return id;
  }

  /** Polls until `completed` and returns the first output's URL. */
  private async poll(scope: CallScope, id: string): Promise<string> {
    const url = joinUrl(this.baseUrl, `/api/v3/predictions/${encodeURIComponent(id)}/result`);
    let failuresInARow = 0;
    for (;;) {
      await scope.pause(this.pollIntervalMs);
      let data: Record<string, unknown> | undefined;
      try {
        const response = await scope.fetch(this.fetchFn, url, { method: 'GET', headers: this.authorization() }, 'polling');
        if (!response.ok) throw await failureFromResponse(response, failureRules, 'polling');
        data = dataOf(await scope.json(response, 'polling'));
        failuresInARow = 0;
      } catch (error) {
        const failure = scope.failure(error, 'polling');
        if (!failure.retryable || failure.kind === 'timeout') throw failure;
        failuresInARow += 1;
        if (failuresInARow > wavespeedLimits.maxConsecutivePollFailures) throw failure;
        await scope.pause(Math.min(failure.retryAfterMs ?? this.pollIntervalMs, wavespeedLimits.maxPollRetryAfterMs));
        continue;
      }
      const status = data === undefined ? undefined : stringField(data, 'status');
      if (data === undefined || status === undefined) throw new ProviderError('server_error', `WaveSpeed: prediction ${id}: an answer without a status`);
      if (status === 'completed') {
        const outputs = data.outputs;
        const first: unknown = Array.isArray(outputs) ? outputs[0] : undefined;
        if (typeof first !== 'string') throw new ProviderError('server_error', `WaveSpeed: prediction ${id} completed without an output`);
        return first;
      }
      if (status === 'failed') {
        const message = stringField(data, 'error') ?? 'no reason given';
        throw new ProviderError(mentionsModeration(message) ? 'moderated' : 'server_error', `WaveSpeed: prediction ${id} failed: ${message}`);
      }
      // 'created', 'processing' and any status added later: keep polling until the deadline.
    }
  }

  /** Output URLs are short-lived CDN links: fetched at once, without the key. */
  private async download(scope: CallScope, url: string): Promise<Buffer> {
    const response = await scope.fetch(this.fetchFn, url, { method: 'GET' }, 'downloading the output');
    if (!response.ok) {
      const failure = await failureFromResponse(response, failureRules, 'downloading the output');
      // An expired or missing output is worth a new prediction, not a rejection.
      throw failure.kind === 'rejected' || failure.kind === 'moderated' ? new ProviderError('server_error', failure.message) : failure;
    }
    return scope.bytes(response, 'downloading the output');
  }
}

function dataOf(answer: unknown): Record<string, unknown> | undefined {
  if (!isRecord(answer)) return undefined;
  return isRecord(answer.data) ? answer.data : undefined;
}

function errorText(body: unknown): string {
  if (typeof body === 'string') return body;
  if (!isRecord(body)) return '';
  const data = isRecord(body.data) ? body.data : {};
  return [body.message, body.error, data.error].filter((value) => typeof value === 'string').join(' ');
}

/** WaveSpeed reports a refused prompt or image in words ("content policy", "NSFW", "sensitive"). */
function mentionsModeration(text: string): boolean {
  return /nsfw|content (policy|moderation|filter)|sensitive|safety|flagged/i.test(text);
}

function clampSeed(seed: number): number {
  return Math.min(wavespeedLimits.maxSeed, Math.max(0, Math.round(seed)));
}

/** The Ideogram ratio nearest to width/height on a log scale. */
export function nearestIdeogramRatio(width: number, height: number): (typeof ideogramAspectRatios)[number] {
  const target = Math.log(width / height);
  let best: (typeof ideogramAspectRatios)[number] = '1:1';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of ideogramAspectRatios) {
    const [w, h] = ratio.split(':').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}
