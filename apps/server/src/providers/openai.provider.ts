import sharp from 'sharp';
import type { Operation } from '@atelier/pricing';
import { CallScope, failureFromResponse, isRecord, joinUrl, stringField, type FetchFunction, type HttpFailureRules } from './http.js';
import { imageSize, toPng } from './images.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider, type ProviderCost } from './provider.js';

/** The real host; tests point `baseUrl` at a local fake. */
export const openAiBaseUrl = 'https://api.openai.com';

export const openAiLimits = {
  /** One synchronous call: gpt-image-1 can take a minute or two at high quality. */
  timeoutMs: 240_000,
  /** Longest prompt gpt-image-1 takes, in characters. */
  maxPromptChars: 32_000,
} as const;

/** The only output sizes gpt-image-1 makes. */
export const gptImageSizes = ['1024x1024', '1536x1024', '1024x1536'] as const;
export type GptImageSize = (typeof gptImageSizes)[number];

/** What OpenAI charges per million tokens of gpt-image-1 (its published price list), for the provider cost. */
export const gptImageTokenPricesUsd = { textInputPerMillion: 5, imageInputPerMillion: 10, imageOutputPerMillion: 40 } as const;

/** Catalog model → OpenAI model. */
const models: Readonly<Record<string, string>> = { 'gpt-image-1': 'gpt-image-1' };
const operations: ReadonlySet<Operation> = new Set<Operation>(['text-to-image', 'inpaint', 'general-edit', 'remove-background']);

/** The prompt of a background removal (the operation takes none from the user). */
export const removeBackgroundPrompt = 'The same image with the main subject unchanged and the background removed: a fully transparent background.';

export interface OpenAiOptions {
  /** Sent as `Authorization: Bearer …`. */
  apiKey: string;
  /** Default https://api.openai.com. */
  baseUrl?: string;
  /** `OpenAI-Organization`, when the key belongs to several organizations. */
  organization?: string;
  /** low | medium | high; the catalog prices medium. */
  quality?: 'low' | 'medium' | 'high';
  timeoutMs?: number;
  fetch?: FetchFunction;
}

const failureRules: HttpFailureRules = {
  provider: 'OpenAI',
  // A refused prompt or image: 400 `moderation_blocked` ("rejected as a result of our safety system").
  isModeration: (status, body) => {
    const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    if (error === undefined) return false;
    const code = stringField(error, 'code') ?? '';
    const message = stringField(error, 'message') ?? '';
    return status === 400 && (code === 'moderation_blocked' || code === 'content_policy_violation' || /safety system/i.test(message));
  },
  // 429 `insufficient_quota`: the account is out of credit; retrying will not help.
  isQuotaExhausted: (body) => {
    const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
    return error !== undefined && (stringField(error, 'code') === 'insufficient_quota' || stringField(error, 'type') === 'insufficient_quota');
  },
};

interface PlannedCall {
  path: string;
  body: FormData | string;
  json: boolean;
  /** Size the result is brought to. */
  size: { width: number; height: number };
}

/**
 * OpenAI's Images API with `gpt-image-1`, synchronous: text-to-image is `POST /v1/images/generations`
 * (JSON); inpaint, general edit and background removal are `POST /v1/images/edits`
 * (multipart/form-data with the source as `image`; inpaint adds `mask`, a PNG of the source's
 * size whose transparent pixels mark the area to repaint; background removal asks for
 * `background: transparent`). The answer carries the image as `data[0].b64_json` (no URL to
 * fetch) and the token `usage`, priced into the provider cost in US dollars.
 */
export class OpenAiProvider implements ImageProvider {
  readonly id = 'openai' as const;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchFunction;
  private readonly quality: 'low' | 'medium' | 'high';

  constructor(private readonly options: OpenAiOptions) {
    this.baseUrl = options.baseUrl ?? openAiBaseUrl;
    this.timeoutMs = options.timeoutMs ?? openAiLimits.timeoutMs;
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.quality = options.quality ?? 'medium';
  }

  supports(modelId: string, operation: Operation): boolean {
    return models[modelId] !== undefined && operations.has(operation);
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    if (!this.supports(input.modelId, input.operation)) throw new ProviderError('rejected', `OpenAI: ${input.modelId} does not offer ${input.operation} here`);
    const scope = new CallScope(input.signal, this.timeoutMs, 'OpenAI');
    try {
      scope.check();
      const call = await this.plan(input);
      const headers: Record<string, string> = { authorization: `Bearer ${this.options.apiKey}`, accept: 'application/json' };
      if (call.json) headers['content-type'] = 'application/json';
      if (this.options.organization !== undefined) headers['openai-organization'] = this.options.organization;
      const what = `POST ${call.path}`;
      const response = await scope.fetch(this.fetchFn, joinUrl(this.baseUrl, call.path), { method: 'POST', headers, body: call.body }, what);
      if (!response.ok) throw await failureFromResponse(response, failureRules, what);
      const answer = await scope.json(response, what);
      const bytes = imageOf(answer, what);
      const image = await toPng(bytes, { size: call.size, label: 'OpenAI' });
      scope.check();
      const cost = costOf(answer);
      return { ...image, seed: input.seed, ...(cost === undefined ? {} : { cost }) };
    } catch (error) {
      throw scope.failure(error, 'the call');
    } finally {
      scope.dispose();
    }
  }

  private async plan(input: GenerationInput): Promise<PlannedCall> {
    const model = models[input.modelId] ?? input.modelId;
    const prompt = input.operation === 'remove-background' && input.prompt.trim() === '' ? removeBackgroundPrompt : input.prompt;
    if (prompt.length > openAiLimits.maxPromptChars) throw new ProviderError('rejected', `OpenAI: the prompt is over ${openAiLimits.maxPromptChars} characters`);
    const background = input.operation === 'remove-background' ? 'transparent' : 'auto';
    if (input.operation === 'text-to-image') {
      const body = { model, prompt, n: 1, size: nearestGptImageSize(input.width, input.height), quality: this.quality, background, output_format: 'png', moderation: 'auto' };
      return { path: '/v1/images/generations', body: JSON.stringify(body), json: true, size: { width: input.width, height: input.height } };
    }
    const source = input.source;
    if (source === undefined) throw new ProviderError('rejected', `OpenAI: ${input.operation} needs a source image`);
    const sourceSize = await imageSize(source, 'OpenAI');
    const form = new FormData();
    form.append('model', model);
    form.append('prompt', prompt);
    form.append('n', '1');
    form.append('size', nearestGptImageSize(sourceSize.width, sourceSize.height));
    form.append('quality', this.quality);
    form.append('background', background);
    form.append('output_format', 'png');
    form.append('image', pngBlob(await asPng(source)), 'source.png');
    if (input.operation === 'inpaint') {
      if (input.mask === undefined) throw new ProviderError('rejected', 'OpenAI: inpaint needs a mask');
      form.append('mask', pngBlob(await openAiMask(input.mask, sourceSize)), 'mask.png');
    }
    return { path: '/v1/images/edits', body: form, json: false, size: sourceSize };
  }
}

/** The gpt-image-1 size whose aspect ratio is nearest (on a log scale) to width × height. */
export function nearestGptImageSize(width: number, height: number): GptImageSize {
  const wanted = Math.log(width / height);
  let best: GptImageSize = '1024x1024';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const size of gptImageSizes) {
    const [w, h] = size.split('x').map(Number) as [number, number];
    const distance = Math.abs(Math.log(w / h) - wanted);
    if (distance < bestDistance) {
      best = size;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Our mask (white = repaint, black = keep, grey blends) as OpenAI wants it: a PNG of the image's
 * size whose alpha marks the area to edit, transparent (alpha 0) where we repaint and opaque where
 * we keep. Grey becomes partial transparency.
 */
export async function openAiMask(mask: Buffer, size: { width: number; height: number }): Promise<Buffer> {
  let grey: Buffer;
  try {
    grey = await sharp(mask).greyscale().resize(size.width, size.height, { fit: 'fill' }).extractChannel(0).raw().toBuffer();
  } catch (error) {
    throw new ProviderError('rejected', `OpenAI: the mask does not decode: ${String(error)}`);
  }
  const rgba = Buffer.alloc(size.width * size.height * 4);
  for (let i = 0; i < grey.length; i += 1) {
    // Black RGB everywhere; alpha is the inverse of "repaint here".
    rgba[i * 4 + 3] = 255 - (grey[i] ?? 0);
  }
  return sharp(rgba, { raw: { width: size.width, height: size.height, channels: 4 } }).png().toBuffer();
}

async function asPng(bytes: Buffer): Promise<Buffer> {
  const metadata = await sharp(bytes).metadata();
  return metadata.format === 'png' ? bytes : sharp(bytes).png().toBuffer();
}

function pngBlob(bytes: Buffer): Blob {
  return new Blob([new Uint8Array(bytes)], { type: 'image/png' });
}

function imageOf(answer: unknown, what: string): Buffer {
  const data = isRecord(answer) ? answer.data : undefined;
  const first: unknown = Array.isArray(data) ? data[0] : undefined;
  const b64 = isRecord(first) ? stringField(first, 'b64_json') : undefined;
  if (b64 === undefined || b64 === '') throw new ProviderError('server_error', `OpenAI: ${what} answered no image (data[0].b64_json)`);
  return Buffer.from(b64, 'base64');
}

/** The call's price from its token `usage`, at OpenAI's list prices, in US dollars (6 decimals). */
export function costOf(answer: unknown): ProviderCost | undefined {
  const usage = isRecord(answer) && isRecord(answer.usage) ? answer.usage : undefined;
  if (usage === undefined) return undefined;
  const count = (record: Record<string, unknown>, key: string): number => {
    const value = record[key];
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
  };
  const details = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const imageInput = count(details, 'image_tokens');
  const textInput = isRecord(usage.input_tokens_details) ? count(details, 'text_tokens') : count(usage, 'input_tokens');
  const output = count(usage, 'output_tokens');
  const prices = gptImageTokenPricesUsd;
  const usd = (textInput * prices.textInputPerMillion + imageInput * prices.imageInputPerMillion + output * prices.imageOutputPerMillion) / 1_000_000;
  return { amount: Math.round(usd * 1_000_000) / 1_000_000, unit: 'usd' };
}
