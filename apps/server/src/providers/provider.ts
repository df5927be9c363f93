import type { Operation } from '@atelier/pricing';

/**
 * Who runs a model: `local` is the offline demo renderer (not AI); every other id is a real
 * provider's adapter. The id of an adapter that is a catalog provider's own API equals that
 * catalog `provider` field (its models' native route).
 */
export type ProviderId = 'local' | 'black-forest-labs' | 'stability' | 'wavespeed' | 'huggingface' | 'fal' | 'google' | 'openai' | 'comfyui';

/** Every adapter id, in the order their job runners start. */
export const providerIds: readonly ProviderId[] = ['local', 'black-forest-labs', 'stability', 'wavespeed', 'huggingface', 'fal', 'google', 'openai', 'comfyui'];

/** What a provider says one image cost it, when it says so (BFL's `cost`, WaveSpeed's usage). */
export interface ProviderCost {
  amount: number;
  /** e.g. 'usd', 'bfl-credits'. */
  unit: string;
}

export interface OutpaintGeometry {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** One image to make. The job runner calls `generate` once per variation (seed + index). */
export interface GenerationInput {
  jobId: string;
  operation: Operation;
  /** The catalog's model id, e.g. `flux-dev`, `stability-core`. */
  modelId: string;
  prompt: string;
  negativePrompt: string | null;
  /** Output size for text-to-image; the source image's size for every other operation. */
  width: number;
  height: number;
  /** null for models without a step count. */
  steps: number | null;
  seed: number;
  /** PNG of the source image: every operation but text-to-image. */
  source?: Buffer;
  /** PNG mask for inpaint, same size as the source: white is repainted, black is kept. */
  mask?: Buffer;
  /** Outpaint: pixels added on each side; the result is (width + left + right) × (height + top + bottom). */
  outpaint?: OutpaintGeometry;
  /** The prompt the source image was made with, when it was made here (a conversation's previous turn). */
  sourcePrompt?: string;
  /**
   * For adapters that edit in conversation (`conversational`): the turns before the source's, oldest
   * first, each a prompt and the image it made (the source's ancestors through general edits).
   */
  earlierTurns?: { prompt: string; image: Buffer }[];
  /** search-and-replace / search-and-recolor: what to find in the source. */
  searchPrompt?: string;
  /** Aborted when the job is cancelled or its deadline passes: stop the provider call. */
  signal: AbortSignal;
  /** Told how far along this image is (0..1), by adapters whose provider reports it (ComfyUI). */
  onProgress?: (fraction: number) => void;
}

export interface GeneratedImage {
  png: Buffer;
  width: number;
  height: number;
  seed: number;
  /** The provider's own figure for this image, when it reports one. */
  cost?: ProviderCost;
}

export type ProviderFailureKind =
  /** 429: retry after a pause. */
  | 'rate_limited'
  /** 5xx, a broken connection: retry with backoff. */
  | 'server_error'
  /** No answer in time: retry with backoff. */
  | 'timeout'
  /** The provider refused the prompt or the image: never retried. */
  | 'moderated'
  /** The provider rejected the request as invalid (4xx other than 429): never retried. */
  | 'rejected'
  /** The job was cancelled while the call ran. */
  | 'aborted';

export class ProviderError extends Error {
  constructor(
    readonly kind: ProviderFailureKind,
    message: string,
    /** From a Retry-After header, when the provider sent one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'server_error' || this.kind === 'timeout';
  }
}

export interface ImageProvider {
  readonly id: ProviderId;
  /** Edits continue a conversation: the job runner sends the source's earlier turns too. */
  readonly conversational?: boolean;
  /** Whether this adapter can run `operation` with `modelId`. */
  supports(modelId: string, operation: Operation): boolean;
  /** Makes one image, or throws ProviderError. */
  generate(input: GenerationInput): Promise<GeneratedImage>;
}
