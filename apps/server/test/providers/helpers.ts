import sharp from 'sharp';
import { expect } from 'vitest';
import { ProviderError, type GenerationInput, type ProviderFailureKind } from '../../src/providers/provider.js';

/** A generation input with sensible defaults; `signal` never aborts unless given. */
export function generationInput(overrides: Partial<GenerationInput> = {}): GenerationInput {
  return {
    jobId: 'job-1',
    operation: 'text-to-image',
    modelId: 'flux-dev',
    prompt: 'a lighthouse on a cliff at dusk',
    negativePrompt: null,
    width: 512,
    height: 384,
    steps: 25,
    seed: 42,
    signal: new AbortController().signal,
    ...overrides,
  };
}

/** A real PNG: a horizontal gradient with a square, so that every pixel is not the same. */
export async function testPng(width: number, height: number, options: { alpha?: boolean } = {}): Promise<Buffer> {
  const channels = options.alpha === true ? 4 : 3;
  const data = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * channels;
      const inSquare = x > width / 4 && x < width / 2 && y > height / 4 && y < height / 2;
      data[i] = inSquare ? 250 : Math.round((x / width) * 200);
      data[i + 1] = inSquare ? 30 : Math.round((y / height) * 200);
      data[i + 2] = 90;
      if (channels === 4) data[i + 3] = 255;
    }
  }
  return sharp(data, { raw: { width, height, channels } }).png().toBuffer();
}

/** A mask: white (repaint) inside the rectangle, black elsewhere. */
export async function rectangleMask(width: number, height: number, rect: { left: number; top: number; width: number; height: number }): Promise<Buffer> {
  const data = Buffer.alloc(width * height);
  for (let y = rect.top; y < rect.top + rect.height; y += 1) {
    for (let x = rect.left; x < rect.left + rect.width; x += 1) data[y * width + x] = 255;
  }
  return sharp(data, { raw: { width, height, channels: 1 } }).png().toBuffer();
}

export async function rgba(png: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

export async function pngInfo(png: Buffer): Promise<{ format: string | undefined; width: number; height: number; hasAlpha: boolean }> {
  const metadata = await sharp(png).metadata();
  return { format: metadata.format, width: metadata.width, height: metadata.height, hasAlpha: metadata.hasAlpha };
}

export function isPng(bytes: Buffer): boolean {
  return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}

/** Awaits a rejection and checks it is a ProviderError of `kind`; returns it for more checks. */
export async function expectProviderError(promise: Promise<unknown>, kind: ProviderFailureKind): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  const failure = error as ProviderError;
  expect(failure.kind, failure.message).toBe(kind);
  return failure;
}

/** Resolves when `condition` holds (checked every 2 ms), or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
