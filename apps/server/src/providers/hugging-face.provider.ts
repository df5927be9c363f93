import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, type FetchFunction, type HttpFailureRules } from './http.js';
import { toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from './provider.js';

/** Hugging Face Inference Providers' router; tests point `baseUrl` at a local fake. */
export const huggingFaceBaseUrl = 'https://router.huggingface.co';

export const huggingFaceLimits = {
  /** Default budget of one `generate` (the call is synchronous: the answer is the image). */
  timeoutMs: 180_000,
  maxSeed: 4_294_967_295,
} as const;

/** Catalog model → Hub model served by HF Inference (`hf-inference` provider). */
const models: Readonly<Record<string, string>> = {
  'huggingface-flux-dev': 'black-forest-labs/FLUX.1-dev',
};

export interface HuggingFaceOptions {
  /** A user access token with "Inference Providers" permission, sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Default https://router.huggingface.co. */
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: FetchFunction;
}

const failureRules: HttpFailureRules = {
  provider: 'Hugging Face',
  isModeration: (_status, body) => /nsfw|content (policy|filter)|safety|flagged/i.test(isRecord(body) && typeof body.error === 'string' ? body.error : String(body)),
  // A model that is loading answers 503 with `estimated_time` (seconds).
  serverErrorRetryAfterMs: (body) => (isRecord(body) && typeof body.estimated_time === 'number' ? Math.round(body.estimated_time * 1000) : undefined),
};

/**
 * Hugging Face Inference (text-to-image task): `POST /hf-inference/models/{model}` with
 * `{ inputs, parameters: { width, height, num_inference_steps, seed, negative_prompt } }`; the
 * answer is the image itself. A loading model answers 503 with `estimated_time`.
 */
export class HuggingFaceProvider implements ImageProvider {
  readonly id = 'huggingface' as const;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: HuggingFaceOptions) {
    this.baseUrl = options.baseUrl ?? huggingFaceBaseUrl;
    this.timeoutMs = options.timeoutMs ?? huggingFaceLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  supports(modelId: string, operation: Operation): boolean {
    return models[modelId] !== undefined && operation === 'text-to-image';
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    const model = models[input.modelId];
    if (model === undefined || input.operation !== 'text-to-image') {
      throw new ProviderError('rejected', `Hugging Face: ${input.modelId} does not offer ${input.operation} here`);
    }
    const scope = new CallScope(input.signal, this.timeoutMs, 'Hugging Face');
    try {
      const parameters: Record<string, unknown> = {
        width: input.width,
        height: input.height,
        seed: Math.min(huggingFaceLimits.maxSeed, Math.max(0, input.seed)),
      };
      if (input.steps !== null) parameters.num_inference_steps = input.steps;
      if (input.negativePrompt !== null && input.negativePrompt !== '') parameters.negative_prompt = input.negativePrompt;
      const path = `/hf-inference/models/${model}`;
      const response = await scope.fetch(
        this.fetchFn,
        joinUrl(this.baseUrl, path),
        {
          method: 'POST',
          headers: { authorization: `Bearer ${this.options.apiKey}`, 'content-type': 'application/json', accept: 'image/png' },
          body: JSON.stringify({ inputs: input.prompt, parameters }),
        },
        `POST ${path}`,
      );
      if (!response.ok) throw await failureFromResponse(response, failureRules, `POST ${path}`);
      const bytes = await scope.bytes(response, `POST ${path}`);
      const image = await toPng(bytes, { size: { width: input.width, height: input.height }, label: 'Hugging Face' });
      scope.check();
      return { ...image, seed: input.seed };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }
}
