import sharp from 'sharp';
import { catalogs as builtInCatalogs, type Catalog, type Operation } from '@atelier/pricing';
import { sleep } from './http.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider, type OutpaintGeometry } from './provider.js';
import { SeededRandom, seedKey } from './seeded-random.js';

/** The local renderer's bounds. */
export const localLimits = {
  /** No output side is longer: larger requests are rejected, upscales stop there. */
  maxOutputSide: 4096,
  /** upscale-fast multiplies each side by this (capped by maxOutputSide). */
  fastUpscaleFactor: 4,
  /** upscale-conservative and upscale-creative bring the long side to this ("4K", capped by maxOutputSide). */
  fourKLongSide: 4096,
  /** Words of the prompt written on a rendered image. */
  promptWordsShown: 5,
  /** Characters of the prompt written on a rendered image. */
  promptCharsShown: 48,
} as const;

export interface LocalProviderOptions {
  /** Waits this long before answering (a stand-in for a real provider's latency); abortable. Default 0. */
  latencyMs?: number;
  /** Share of calls, 0..1, that fail with 'server_error' (for demos and retry tests). Default 0. */
  failureRate?: number;
  /** Draws the failures: [0, 1). Default Math.random; inject a sequence for deterministic tests. */
  random?: () => number;
  /** Whose models and operations `supports` accepts. Default every built-in catalog. */
  catalogs?: readonly Catalog[];
}

interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  /** Always 4 (RGBA) in this file. */
  channels: 4;
  /** Whether the source had transparency worth keeping in the output. */
  hasAlpha: boolean;
}

/**
 * Renders real PNGs offline with sharp, deterministic from prompt, seed, model and operation:
 * the same input gives byte-identical PNGs. Runs every model and operation of the catalogs, so the
 * server works without any provider key (and the models of providers Atelier has no adapter for).
 */
export class LocalProvider implements ImageProvider {
  readonly id = 'local' as const;
  private readonly offers = new Set<string>();
  private readonly latencyMs: number;
  private readonly failureRate: number;
  private readonly random: () => number;

  constructor(options: LocalProviderOptions = {}) {
    this.latencyMs = options.latencyMs ?? 0;
    this.failureRate = options.failureRate ?? 0;
    this.random = options.random ?? Math.random;
    if (!Number.isFinite(this.latencyMs) || this.latencyMs < 0) throw new RangeError('latencyMs must be ≥ 0');
    if (!(this.failureRate >= 0 && this.failureRate <= 1)) throw new RangeError('failureRate must be within 0..1');
    const catalogs = options.catalogs ?? Object.values(builtInCatalogs);
    for (const catalog of catalogs) {
      for (const model of catalog.models) {
        for (const operation of Object.keys(model.operations)) this.offers.add(offerKey(model.id, operation));
      }
    }
  }

  supports(modelId: string, operation: Operation): boolean {
    return this.offers.has(offerKey(modelId, operation));
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    throwIfAborted(input.signal);
    if (!this.supports(input.modelId, input.operation)) {
      throw new ProviderError('rejected', `local: ${input.modelId} does not offer ${input.operation}`);
    }
    if (this.latencyMs > 0) {
      try {
        await sleep(this.latencyMs, input.signal);
      } catch {
        throw new ProviderError('aborted', 'local: cancelled while waiting');
      }
    }
    if (this.failureRate > 0 && this.random() < this.failureRate) {
      throw new ProviderError('server_error', 'local: simulated provider failure');
    }
    const image = await this.render(input);
    throwIfAborted(input.signal);
    return { ...image, seed: input.seed };
  }

  private async render(input: GenerationInput): Promise<{ png: Buffer; width: number; height: number }> {
    const key = seedKey(input.prompt, input.seed, input.modelId, input.operation, input.negativePrompt, input.steps, input.searchPrompt ?? null);
    switch (input.operation) {
      case 'text-to-image': {
        checkSize(input.width, input.height);
        const png = await renderScene(input.width, input.height, key, input);
        return { png, width: input.width, height: input.height };
      }
      case 'inpaint':
        return inpaint(await decodeSource(input), key, input);
      case 'outpaint':
        return outpaint(await decodeSource(input), outpaintGeometry(input), key, input);
      case 'remove-background':
        return encode(removeBackground(await decodeSource(input)), true);
      case 'search-and-replace':
        return searchAndReplace(await decodeSource(input), key, input);
      case 'search-and-recolor':
        return encode(searchAndRecolor(await decodeSource(input), input), undefined);
      case 'replace-background-and-relight':
        return replaceBackground(await decodeSource(input), key, input);
      case 'general-edit':
        return generalEdit(await decodeSource(input), key, input);
      case 'upscale-fast':
      case 'upscale-conservative':
      case 'upscale-creative':
        return upscale(requireSource(input), input.operation, key);
    }
  }
}

function offerKey(modelId: string, operation: string): string {
  return `${modelId}\u0000${operation}`;
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new ProviderError('aborted', 'local: cancelled');
}

function checkSize(width: number, height: number): void {
  const ok = (side: number): boolean => Number.isInteger(side) && side >= 1 && side <= localLimits.maxOutputSide;
  if (!ok(width) || !ok(height)) {
    throw new ProviderError('rejected', `local: ${width}×${height} is outside 1..${localLimits.maxOutputSide} px per side`);
  }
}

function requireSource(input: GenerationInput): Buffer {
  if (input.source === undefined) throw new ProviderError('rejected', `local: ${input.operation} needs a source image`);
  return input.source;
}

async function decodeSource(input: GenerationInput): Promise<RawImage> {
  const source = requireSource(input);
  try {
    const image = sharp(source);
    const metadata = await image.metadata();
    const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: 4, hasAlpha: metadata.hasAlpha };
  } catch (error) {
    throw new ProviderError('rejected', `local: the source image does not decode: ${String(error)}`);
  }
}

/** The mask as one 0..255 weight per source pixel (white = repaint, black = keep). */
async function decodeMask(input: GenerationInput, source: RawImage): Promise<Uint8Array> {
  const mask = input.mask;
  if (mask === undefined) throw new ProviderError('rejected', 'local: inpaint needs a mask');
  try {
    let pipeline = sharp(mask).flatten({ background: '#000000' }).greyscale();
    const metadata = await sharp(mask).metadata();
    if (metadata.width !== source.width || metadata.height !== source.height) {
      pipeline = pipeline.resize(source.width, source.height, { fit: 'fill', kernel: 'nearest' });
    }
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    const weights = new Uint8Array(source.width * source.height);
    for (let i = 0; i < weights.length; i += 1) weights[i] = data[i * info.channels] ?? 0;
    return weights;
  } catch (error) {
    throw new ProviderError('rejected', `local: the mask does not decode: ${String(error)}`);
  }
}

function outpaintGeometry(input: GenerationInput): OutpaintGeometry {
  const geometry = input.outpaint;
  if (geometry === undefined) throw new ProviderError('rejected', 'local: outpaint needs the pixels to add on each side');
  for (const side of ['left', 'right', 'top', 'bottom'] as const) {
    const value = geometry[side];
    if (!Number.isInteger(value) || value < 0) throw new ProviderError('rejected', `local: outpaint ${side} must be a whole number ≥ 0`);
  }
  return geometry;
}

async function encode(image: RawImage, keepAlpha: boolean | undefined): Promise<{ png: Buffer; width: number; height: number }> {
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: image.channels } });
  if (!(keepAlpha ?? image.hasAlpha)) pipeline = pipeline.removeAlpha();
  const png = await pipeline.png().toBuffer();
  return { png, width: image.width, height: image.height };
}

/** A rendered scene as raw RGBA. */
async function renderRaw(width: number, height: number, key: string, input: GenerationInput): Promise<Buffer> {
  const png = await renderScene(width, height, key, input);
  return sharp(png).ensureAlpha().raw().toBuffer();
}

// ---------------------------------------------------------------------------------------------
// The picture: a gradient sky, a glow, a ridge, a few translucent shapes and the prompt's first
// words, every colour and position drawn from the seeded generator.

async function renderScene(width: number, height: number, key: string, input: GenerationInput): Promise<Buffer> {
  const svg = sceneSvg(width, height, new SeededRandom(key), input);
  return sharp(Buffer.from(svg)).png().toBuffer();
}

function sceneSvg(width: number, height: number, rng: SeededRandom, input: GenerationInput): string {
  const hue = rng.between(0, 360);
  const accentHue = hue + rng.between(40, 160);
  const angle = rng.between(0, Math.PI * 2);
  const [x1, y1, x2, y2] = [0.5 - Math.cos(angle) / 2, 0.5 - Math.sin(angle) / 2, 0.5 + Math.cos(angle) / 2, 0.5 + Math.sin(angle) / 2];
  const short = Math.min(width, height);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<defs>',
    `<linearGradient id="sky" x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}">`,
    `<stop offset="0" stop-color="${hsl(hue, 55, 20)}"/><stop offset="1" stop-color="${hsl(accentHue, 65, 60)}"/>`,
    '</linearGradient>',
    `<radialGradient id="glow"><stop offset="0" stop-color="${hsl(accentHue + 30, 90, 85)}" stop-opacity="0.9"/>`,
    `<stop offset="1" stop-color="${hsl(accentHue + 30, 90, 60)}" stop-opacity="0"/></radialGradient>`,
    '</defs>',
    `<rect width="${width}" height="${height}" fill="url(#sky)"/>`,
    `<circle cx="${fmt(rng.between(0.15, 0.85) * width)}" cy="${fmt(rng.between(0.1, 0.45) * height)}" r="${fmt(rng.between(0.18, 0.4) * short)}" fill="url(#glow)"/>`,
  );
  const shapes = rng.int(5, 9);
  for (let i = 0; i < shapes; i += 1) {
    const fill = hsl(hue + i * 29 + rng.between(0, 60), rng.between(55, 85), rng.between(40, 72));
    const opacity = fmt(rng.between(0.35, 0.85));
    const cx = rng.between(0, 1) * width;
    const cy = rng.between(0, 1) * height;
    const size = rng.between(0.05, 0.22) * short;
    const kind = rng.int(0, 3);
    if (kind === 0) {
      parts.push(`<circle cx="${fmt(cx)}" cy="${fmt(cy)}" r="${fmt(size)}" fill="${fill}" fill-opacity="${opacity}"/>`);
    } else if (kind === 1) {
      parts.push(
        `<ellipse cx="${fmt(cx)}" cy="${fmt(cy)}" rx="${fmt(size * 1.6)}" ry="${fmt(size * 0.7)}" fill="${fill}" fill-opacity="${opacity}" transform="rotate(${fmt(rng.between(0, 180))} ${fmt(cx)} ${fmt(cy)})"/>`,
      );
    } else if (kind === 2) {
      parts.push(
        `<rect x="${fmt(cx - size)}" y="${fmt(cy - size)}" width="${fmt(size * 2)}" height="${fmt(size * 2)}" rx="${fmt(size * 0.2)}" fill="${fill}" fill-opacity="${opacity}" transform="rotate(${fmt(rng.between(0, 90))} ${fmt(cx)} ${fmt(cy)})"/>`,
      );
    } else {
      const points = [0, 1, 2].map((k) => {
        const a = rng.between(0, Math.PI * 2) + (k * Math.PI * 2) / 3;
        return `${fmt(cx + Math.cos(a) * size * 1.3)},${fmt(cy + Math.sin(a) * size * 1.3)}`;
      });
      parts.push(`<polygon points="${points.join(' ')}" fill="${fill}" fill-opacity="${opacity}"/>`);
    }
  }
  // A ridge across the lower part of the picture.
  const ridgeTop = rng.between(0.55, 0.8) * height;
  const steps = rng.int(5, 10);
  const ridge = [`M0,${height}`, `L0,${fmt(ridgeTop)}`];
  for (let i = 1; i <= steps; i += 1) {
    ridge.push(`L${fmt((i / steps) * width)},${fmt(ridgeTop + rng.between(-0.12, 0.12) * height)}`);
  }
  ridge.push(`L${width},${height}`, 'Z');
  parts.push(`<path d="${ridge.join(' ')}" fill="${hsl(hue + 180, 35, 16)}" fill-opacity="0.85"/>`);
  // The prompt's first words and a small caption naming the model and seed.
  const words = caption(input.prompt);
  const fontSize = Math.max(8, Math.round(short / 14));
  if (words !== '' && short >= 48) {
    parts.push(
      `<text x="${fmt(width * 0.04)}" y="${fmt(height - height * 0.05)}" font-family="DejaVu Sans, Liberation Sans, sans-serif" font-size="${fontSize}" fill="#ffffff" fill-opacity="0.9" stroke="#000000" stroke-opacity="0.35" stroke-width="${fmt(fontSize / 24)}">${escapeXml(words)}</text>`,
    );
  }
  if (short >= 96) {
    const small = Math.max(8, Math.round(fontSize / 2.5));
    parts.push(
      `<text x="${fmt(width - width * 0.03)}" y="${fmt(small * 1.6)}" text-anchor="end" font-family="DejaVu Sans Mono, monospace" font-size="${small}" fill="#ffffff" fill-opacity="0.6">${escapeXml(`${input.modelId} · ${input.operation} · seed ${input.seed}`)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

function caption(prompt: string): string {
  const words = prompt.trim().split(/\s+/).filter((word) => word !== '').slice(0, localLimits.promptWordsShown).join(' ');
  return words.length > localLimits.promptCharsShown ? `${words.slice(0, localLimits.promptCharsShown - 1)}…` : words;
}

function hsl(hue: number, saturation: number, lightness: number): string {
  return `hsl(${fmt(((hue % 360) + 360) % 360)},${fmt(saturation)}%,${fmt(lightness)}%)`;
}

function fmt(value: number): string {
  return value.toFixed(2);
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

// ---------------------------------------------------------------------------------------------
// Edits. Each works on raw RGBA so that untouched pixels stay byte-for-byte the source's.

async function inpaint(source: RawImage, key: string, input: GenerationInput): Promise<{ png: Buffer; width: number; height: number }> {
  const weights = await decodeMask(input, source);
  const painted = await renderRaw(source.width, source.height, key, input);
  const out = Buffer.from(source.data);
  for (let p = 0; p < weights.length; p += 1) {
    const weight = weights[p] ?? 0;
    if (weight === 0) continue;
    const w = weight / 255;
    const i = p * 4;
    for (let c = 0; c < 3; c += 1) out[i + c] = Math.round((source.data[i + c] ?? 0) * (1 - w) + (painted[i + c] ?? 0) * w);
    out[i + 3] = Math.round((source.data[i + 3] ?? 0) * (1 - w) + 255 * w);
  }
  return encode({ ...source, data: out }, undefined);
}

async function outpaint(
  source: RawImage,
  geometry: OutpaintGeometry,
  key: string,
  input: GenerationInput,
): Promise<{ png: Buffer; width: number; height: number }> {
  const width = source.width + geometry.left + geometry.right;
  const height = source.height + geometry.top + geometry.bottom;
  checkSize(width, height);
  const canvas = await renderRaw(width, height, key, input);
  for (let y = 0; y < source.height; y += 1) {
    const from = y * source.width * 4;
    source.data.copy(canvas, ((y + geometry.top) * width + geometry.left) * 4, from, from + source.width * 4);
  }
  return encode({ data: canvas, width, height, channels: 4, hasAlpha: source.hasAlpha }, undefined);
}

/** Alpha from each pixel's distance to the colour of the image's border (the assumed background). */
function subjectAlpha(source: RawImage): Uint8Array {
  const { width, height, data } = source;
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  const ring = Math.max(1, Math.round(Math.min(width, height) * 0.02));
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (x >= ring && x < width - ring && y >= ring && y < height - ring) continue;
      const i = (y * width + x) * 4;
      r += data[i] ?? 0;
      g += data[i + 1] ?? 0;
      b += data[i + 2] ?? 0;
      n += 1;
    }
  }
  r /= n;
  g /= n;
  b /= n;
  const alpha = new Uint8Array(width * height);
  for (let p = 0; p < alpha.length; p += 1) {
    const i = p * 4;
    const distance = Math.hypot((data[i] ?? 0) - r, (data[i + 1] ?? 0) - g, (data[i + 2] ?? 0) - b);
    const t = Math.min(1, Math.max(0, (distance - 24) / 72));
    alpha[p] = Math.round(t * t * (3 - 2 * t) * ((data[i + 3] ?? 255) / 255) * 255);
  }
  return alpha;
}

function removeBackground(source: RawImage): RawImage {
  const alpha = subjectAlpha(source);
  const out = Buffer.from(source.data);
  for (let p = 0; p < alpha.length; p += 1) out[p * 4 + 3] = alpha[p] ?? 0;
  return { ...source, data: out, hasAlpha: true };
}

/** An ellipse where the "found" object is, placed by the search words. */
function searchRegion(source: RawImage, words: string): (x: number, y: number) => number {
  const rng = new SeededRandom(seedKey('region', words));
  const cx = rng.between(0.3, 0.7) * source.width;
  const cy = rng.between(0.3, 0.7) * source.height;
  const rx = rng.between(0.15, 0.3) * source.width;
  const ry = rng.between(0.15, 0.3) * source.height;
  return (x, y) => {
    const d = Math.hypot((x + 0.5 - cx) / rx, (y + 0.5 - cy) / ry);
    if (d >= 1) return 0;
    if (d <= 0.8) return 1;
    return (1 - d) / 0.2;
  };
}

async function searchAndReplace(source: RawImage, key: string, input: GenerationInput): Promise<{ png: Buffer; width: number; height: number }> {
  const region = searchRegion(source, input.searchPrompt ?? input.prompt);
  const painted = await renderRaw(source.width, source.height, key, input);
  const out = Buffer.from(source.data);
  for (let y = 0; y < source.height; y += 1) {
    for (let x = 0; x < source.width; x += 1) {
      const w = region(x, y);
      if (w === 0) continue;
      const i = (y * source.width + x) * 4;
      for (let c = 0; c < 4; c += 1) out[i + c] = Math.round((source.data[i + c] ?? 0) * (1 - w) + (painted[i + c] ?? 0) * w);
    }
  }
  return encode({ ...source, data: out }, undefined);
}

function searchAndRecolor(source: RawImage, input: GenerationInput): RawImage {
  const region = searchRegion(source, input.searchPrompt ?? input.prompt);
  const rng = new SeededRandom(seedKey('colour', input.prompt, input.seed));
  const tint = hslToRgb(rng.between(0, 360), 0.7, 0.5);
  const out = Buffer.from(source.data);
  for (let y = 0; y < source.height; y += 1) {
    for (let x = 0; x < source.width; x += 1) {
      const w = region(x, y) * 0.85;
      if (w === 0) continue;
      const i = (y * source.width + x) * 4;
      const luminance = (0.2126 * (source.data[i] ?? 0) + 0.7152 * (source.data[i + 1] ?? 0) + 0.0722 * (source.data[i + 2] ?? 0)) / 255;
      for (let c = 0; c < 3; c += 1) {
        const recoloured = Math.min(255, (tint[c] ?? 0) * luminance * 1.6);
        out[i + c] = Math.round((source.data[i + c] ?? 0) * (1 - w) + recoloured * w);
      }
    }
  }
  return { ...source, data: out };
}

async function replaceBackground(source: RawImage, key: string, input: GenerationInput): Promise<{ png: Buffer; width: number; height: number }> {
  const alpha = subjectAlpha(source);
  const background = await renderRaw(source.width, source.height, key, input);
  const rng = new SeededRandom(seedKey('light', input.prompt, input.seed));
  const direction = rng.pick(['left', 'right', 'above', 'below'] as const);
  const out = Buffer.from(background);
  for (let y = 0; y < source.height; y += 1) {
    for (let x = 0; x < source.width; x += 1) {
      const p = y * source.width + x;
      const a = (alpha[p] ?? 0) / 255;
      if (a === 0) continue;
      const along =
        direction === 'left' ? 1 - x / source.width : direction === 'right' ? x / source.width : direction === 'above' ? 1 - y / source.height : y / source.height;
      const light = 0.8 + 0.4 * along;
      const i = p * 4;
      for (let c = 0; c < 3; c += 1) {
        const lit = Math.min(255, (source.data[i + c] ?? 0) * light);
        out[i + c] = Math.round(lit * a + (background[i + c] ?? 0) * (1 - a));
      }
      out[i + 3] = 255;
    }
  }
  return encode({ ...source, data: out, hasAlpha: false }, false);
}

async function generalEdit(source: RawImage, key: string, input: GenerationInput): Promise<{ png: Buffer; width: number; height: number }> {
  const painted = await renderRaw(source.width, source.height, key, input);
  const out = Buffer.alloc(source.data.length);
  for (let i = 0; i < out.length; i += 4) {
    for (let c = 0; c < 3; c += 1) out[i + c] = Math.round((source.data[i + c] ?? 0) * 0.6 + (painted[i + c] ?? 0) * 0.4);
    out[i + 3] = source.data[i + 3] ?? 255;
  }
  return encode({ ...source, data: out }, undefined);
}

/** Output size of an upscale (whole pixels, long side capped at maxOutputSide). */
export function localUpscaleSize(
  operation: 'upscale-fast' | 'upscale-conservative' | 'upscale-creative',
  width: number,
  height: number,
): { width: number; height: number } {
  const longSide = Math.max(width, height);
  const wanted = operation === 'upscale-fast' ? localLimits.fastUpscaleFactor : localLimits.fourKLongSide / longSide;
  const factor = Math.min(wanted, localLimits.maxOutputSide / longSide);
  return { width: Math.max(1, Math.round(width * factor)), height: Math.max(1, Math.round(height * factor)) };
}

async function upscale(
  source: Buffer,
  operation: 'upscale-fast' | 'upscale-conservative' | 'upscale-creative',
  key: string,
): Promise<{ png: Buffer; width: number; height: number }> {
  let metadata;
  try {
    metadata = await sharp(source).metadata();
  } catch (error) {
    throw new ProviderError('rejected', `local: the source image does not decode: ${String(error)}`);
  }
  const size = localUpscaleSize(operation, metadata.width, metadata.height);
  let input = source;
  if (operation === 'upscale-creative') {
    // "Reimagined" at the source's scale: a seeded colour grade and a softly blurred grain, then enlarged.
    const rng = new SeededRandom(seedKey('grade', key));
    const grain = seededGrain(key, Math.min(64, metadata.width), Math.min(64, metadata.height));
    const grainPng = await sharp(grain.data, { raw: { width: grain.width, height: grain.height, channels: 3 } }).blur(1.5).png().toBuffer();
    input = await sharp(source)
      .modulate({ saturation: rng.between(1.05, 1.2), brightness: rng.between(0.97, 1.05), hue: Math.round(rng.between(-8, 8)) })
      .composite([{ input: grainPng, tile: true, blend: 'soft-light' }])
      .png()
      .toBuffer();
  }
  let pipeline = sharp(input).resize(size.width, size.height, {
    fit: 'fill',
    kernel: operation === 'upscale-fast' ? 'cubic' : 'lanczos3',
  });
  if (operation !== 'upscale-fast') pipeline = pipeline.sharpen({ sigma: operation === 'upscale-creative' ? 1.2 : 0.8 });
  const png = await pipeline.png().toBuffer();
  return { png, width: size.width, height: size.height };
}

/** A small seeded noise tile (mid-grey ± 40), blurred and laid over creative upscales as "invented detail". */
function seededGrain(key: string, width: number, height: number): { data: Buffer; width: number; height: number } {
  const rng = new SeededRandom(seedKey('grain', key));
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    const v = 128 + Math.round(rng.between(-40, 40));
    data[i] = v;
    data[i + 1] = v;
    data[i + 2] = v;
  }
  return { data, width, height };
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const c = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const h = (((hue % 360) + 360) % 360) / 60;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const [r, g, b] = h < 1 ? [c, x, 0] : h < 2 ? [x, c, 0] : h < 3 ? [0, c, x] : h < 4 ? [0, x, c] : h < 5 ? [x, 0, c] : [c, 0, x];
  const m = lightness - c / 2;
  return [(r + m) * 255, (g + m) * 255, (b + m) * 255];
}
