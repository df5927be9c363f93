import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider } from './provider.js';

/** The Gemini API host; tests point `baseUrl` at a local fake. */
export const googleBaseUrl = 'https://generativelanguage.googleapis.com';

export const googleLimits = {
  timeoutMs: 120_000,
} as const;

/** Imagen takes an aspect ratio, not a size. */
export const imagenAspectRatios = ['1:1', '3:4', '4:3', '9:16', '16:9'] as const;

const models: Readonly<Record<string, string>> = {
  'imagen-4': 'imagen-4.0-generate-001',
};

export interface GoogleOptions {
  /** A Gemini API key, sent as `x-goog-api-key`. */
  apiKey: string;
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: FetchFunction;
}

const failureRules: HttpFailureRules = { provider: 'Google' };

/**
 * Imagen 4 through the Gemini API: `POST /v1beta/models/{model}:predict` with
 * `{ instances: [{ prompt }], parameters: { sampleCount: 1, aspectRatio } }` → `{ predictions:
 * [{ bytesBase64Encoded, mimeType }] }`. An answer without an image (every sample filtered by
 * Google's responsible-AI filters, `raiFilteredReason`) is `moderated`.
 */
export class GoogleProvider implements ImageProvider {
  readonly id = 'google' as const;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: GoogleOptions) {
    this.baseUrl = options.baseUrl ?? googleBaseUrl;
    this.timeoutMs = options.timeoutMs ?? googleLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  supports(modelId: string, operation: Operation): boolean {
    return models[modelId] !== undefined && operation === 'text-to-image';
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    const model = models[input.modelId];
    if (model === undefined || input.operation !== 'text-to-image') throw new ProviderError('rejected', `Google: ${input.modelId} does not offer ${input.operation} here`);
    const scope = new CallScope(input.signal, this.timeoutMs, 'Google');
    try {
      const path = `/v1beta/models/${model}:predict`;
      const response = await scope.fetch(
        this.fetchFn,
        joinUrl(this.baseUrl, path),
        {
          method: 'POST',
          headers: { 'x-goog-api-key': this.options.apiKey, 'content-type': 'application/json' },
          body: JSON.stringify({ instances: [{ prompt: input.prompt }], parameters: { sampleCount: 1, aspectRatio: nearestImagenRatio(input.width, input.height), includeRaiReason: true } }),
        },
        `POST ${path}`,
      );
      if (!response.ok) throw await failureFromResponse(response, failureRules, `POST ${path}`);
      const answer = await scope.json(response, `POST ${path}`);
      const predictions = isRecord(answer) && Array.isArray(answer.predictions) ? (answer.predictions as unknown[]) : [];
      const withImage = predictions.find((prediction) => isRecord(prediction) && typeof prediction.bytesBase64Encoded === 'string');
      if (!isRecord(withImage)) {
        const reason = predictions.map((prediction) => (isRecord(prediction) ? stringField(prediction, 'raiFilteredReason') : undefined)).find((value) => value !== undefined);
        if (isRecord(answer) && (reason !== undefined || predictions.length === 0)) {
          throw new ProviderError('moderated', `Google: the image was filtered${reason === undefined ? '' : `: ${reason}`}`);
        }
        throw new ProviderError('server_error', 'Google: the answer has no image');
      }
      const bytes = Buffer.from(String(withImage.bytesBase64Encoded), 'base64');
      const image = await toPng(bytes, { size: { width: input.width, height: input.height }, label: 'Google' });
      scope.check();
      return { ...image, seed: input.seed };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }
}

export function nearestImagenRatio(width: number, height: number): (typeof imagenAspectRatios)[number] {
  const target = Math.log(width / height);
  let best: (typeof imagenAspectRatios)[number] = '1:1';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of imagenAspectRatios) {
    const [w, h] = ratio.split(':').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}
