import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { toPng } from './images.js';
import { imageSize } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider, type ProviderCost } from './provider.js';

/** The Gemini API host; tests point `baseUrl` at a local fake. */
export const googleBaseUrl = 'https://generativelanguage.googleapis.com';

export const googleLimits = {
  timeoutMs: 120_000,
} as const;

/** Imagen takes an aspect ratio, not a size. */
export const imagenAspectRatios = ['1:1', '3:4', '4:3', '9:16', '16:9'] as const;

/** Gemini's image model takes these aspect ratios (about 1 MP each). */
export const geminiImageAspectRatios = ['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9'] as const;

/** What Google lists for gemini-2.5-flash-image, per million tokens, for the provider cost. */
export const geminiImageTokenPricesUsd = { inputPerMillion: 0.3, outputImagePerMillion: 30 } as const;

const models: Readonly<Record<string, string>> = {
  'imagen-4': 'imagen-4.0-generate-001',
};
/** Gemini's image model (generation, and editing by instruction: the image and the words in one turn). */
const geminiModels: Readonly<Record<string, string>> = {
  'gemini-flash-image': 'gemini-2.5-flash-image',
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
 * Google's image models on the Gemini API. Imagen 4: `POST /v1beta/models/{model}:predict` with
 * `{ instances: [{ prompt }], parameters: { sampleCount: 1, aspectRatio } }` → `{ predictions:
 * [{ bytesBase64Encoded, mimeType }] }`; an answer without an image (filtered by Google's
 * responsible-AI filters, `raiFilteredReason`) is `moderated`. Gemini's image model: text-to-image
 * and editing by instruction through `generateContent` (see `generateWithGemini`).
 */
export class GoogleProvider implements ImageProvider {
  readonly id = 'google' as const;
  readonly conversational = true;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;

  constructor(private readonly options: GoogleOptions) {
    this.baseUrl = options.baseUrl ?? googleBaseUrl;
    this.timeoutMs = options.timeoutMs ?? googleLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
  }

  supports(modelId: string, operation: Operation): boolean {
    if (geminiModels[modelId] !== undefined) return operation === 'text-to-image' || operation === 'general-edit';
    return models[modelId] !== undefined && operation === 'text-to-image';
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    const gemini = geminiModels[input.modelId];
    if (gemini !== undefined && this.supports(input.modelId, input.operation)) return this.generateWithGemini(gemini, input);
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

  /**
   * `POST /v1beta/models/{model}:generateContent` with the prompt (for an edit: the earlier turns
   * of the conversation, the prompt that made the source, the source as the model's turn, then the
   * instruction; or the source and the
   * instruction in one turn when that prompt is unknown), `responseModalities: ['IMAGE']` and the nearest
   * aspect ratio; the image is the first `inlineData` part of the first candidate. A blocked prompt
   * (`promptFeedback.blockReason`) or a candidate ended for safety is `moderated`.
   */
  private async generateWithGemini(model: string, input: GenerationInput): Promise<GeneratedImage> {
    const scope = new CallScope(input.signal, this.timeoutMs, 'Google');
    try {
      let contents: unknown[] = [{ role: 'user', parts: [{ text: input.prompt }] }];
      let size = { width: input.width, height: input.height };
      if (input.operation === 'general-edit') {
        if (input.source === undefined) throw new ProviderError('rejected', 'Google: an edit needs a source image');
        size = await imageSize(input.source, 'Google');
        const image = { inlineData: { mimeType: 'image/png', data: input.source.toString('base64') } };
        // A conversation: the source as the model's answer to the prompt that made it, then the
        // instruction. A source without that prompt goes with the instruction in one turn.
        contents =
          input.sourcePrompt === undefined
            ? [{ role: 'user', parts: [{ text: input.prompt }, image] }]
            : [
                ...(input.earlierTurns ?? []).flatMap((turn) => [
                  { role: 'user', parts: [{ text: turn.prompt }] },
                  { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: turn.image.toString('base64') } }] },
                ]),
                { role: 'user', parts: [{ text: input.sourcePrompt }] },
                { role: 'model', parts: [image] },
                { role: 'user', parts: [{ text: input.prompt }] },
              ];
      }
      const path = `/v1beta/models/${model}:generateContent`;
      const body = {
        contents,
        generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: nearestGeminiRatio(size.width, size.height) } },
      };
      const response = await scope.fetch(
        this.fetchFn,
        joinUrl(this.baseUrl, path),
        { method: 'POST', headers: { 'x-goog-api-key': this.options.apiKey, 'content-type': 'application/json' }, body: JSON.stringify(body) },
        `POST ${path}`,
      );
      if (!response.ok) throw await failureFromResponse(response, failureRules, `POST ${path}`);
      const answer = await scope.json(response, `POST ${path}`);
      const image = await toPng(geminiImageOf(answer), { size, label: 'Google' });
      scope.check();
      const cost = geminiCostOf(answer);
      return { ...image, seed: input.seed, ...(cost === undefined ? {} : { cost }) };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }
}

const safetyFinishReasons = new Set(['SAFETY', 'PROHIBITED_CONTENT', 'IMAGE_SAFETY', 'IMAGE_PROHIBITED_CONTENT', 'BLOCKLIST', 'SPII', 'RECITATION', 'IMAGE_RECITATION']);

function geminiImageOf(answer: unknown): Buffer {
  if (!isRecord(answer)) throw new ProviderError('server_error', 'Google: the answer is not an object');
  const feedback = isRecord(answer.promptFeedback) ? answer.promptFeedback : undefined;
  const blockReason = feedback === undefined ? undefined : stringField(feedback, 'blockReason');
  if (blockReason !== undefined) throw new ProviderError('moderated', `Google: the prompt was blocked (${blockReason})`);
  const candidate: unknown = Array.isArray(answer.candidates) ? answer.candidates[0] : undefined;
  const finishReason = isRecord(candidate) ? stringField(candidate, 'finishReason') : undefined;
  const content = isRecord(candidate) && isRecord(candidate.content) ? candidate.content : undefined;
  const parts: unknown[] = content !== undefined && Array.isArray(content.parts) ? content.parts : [];
  for (const part of parts) {
    const inline = isRecord(part) && isRecord(part.inlineData) ? part.inlineData : undefined;
    const data = inline === undefined ? undefined : stringField(inline, 'data');
    if (data !== undefined && data !== '') return Buffer.from(data, 'base64');
  }
  if (finishReason !== undefined && safetyFinishReasons.has(finishReason)) throw new ProviderError('moderated', `Google: no image, the candidate ended with ${finishReason}`);
  const text = parts.map((part) => (isRecord(part) ? stringField(part, 'text') : undefined)).find((value) => value !== undefined);
  throw new ProviderError('server_error', `Google: the answer has no image${finishReason === undefined ? '' : ` (${finishReason})`}${text === undefined ? '' : `: ${text.slice(0, 200)}`}`);
}

/** The call's price from `usageMetadata` at Google's list prices, in US dollars (6 decimals). */
function geminiCostOf(answer: unknown): ProviderCost | undefined {
  const usage = isRecord(answer) && isRecord(answer.usageMetadata) ? answer.usageMetadata : undefined;
  if (usage === undefined) return undefined;
  const count = (key: string): number => (typeof usage[key] === 'number' && Number.isFinite(usage[key]) ? usage[key] : 0);
  const usd = (count('promptTokenCount') * geminiImageTokenPricesUsd.inputPerMillion + count('candidatesTokenCount') * geminiImageTokenPricesUsd.outputImagePerMillion) / 1_000_000;
  return { amount: Math.round(usd * 1_000_000) / 1_000_000, unit: 'usd' };
}

export function nearestImagenRatio(width: number, height: number): (typeof imagenAspectRatios)[number] {
  return nearestRatio(imagenAspectRatios, width, height);
}

export function nearestGeminiRatio(width: number, height: number): (typeof geminiImageAspectRatios)[number] {
  return nearestRatio(geminiImageAspectRatios, width, height);
}

function nearestRatio<Ratio extends string>(ratios: readonly Ratio[], width: number, height: number): Ratio {
  const target = Math.log(width / height);
  let best = ratios[0] as Ratio;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const ratio of ratios) {
    const [w, h] = ratio.split(':').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - target);
    if (distance < bestDistance) {
      best = ratio;
      bestDistance = distance;
    }
  }
  return best;
}
