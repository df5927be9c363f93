import type { Catalog } from './catalog.js';
import { modelForQuality, modelsForOperation, sizePresets, stepRange } from './catalog-queries.js';
import { isOperation, isQualityLevel, type Operation, type QualityLevel } from './operation.js';
import { operationInputs } from './operation-inputs.js';
import { isRecord, readProperty } from './read-input.js';
import { outpaintSides, type OutpaintSide } from './request.js';

/**
 * A workspace's shared generation settings as two editors may have left them: any key may be
 * absent, stale (a step count from another model, a source from another operation) or both a
 * model and a quality level. Values are read defensively: the document is shared data.
 */
export interface WorkspaceSettings {
  readonly operation?: unknown;
  readonly model?: unknown;
  readonly quality?: unknown;
  readonly width?: unknown;
  readonly height?: unknown;
  readonly steps?: unknown;
  readonly variations?: unknown;
  readonly outpaint?: unknown;
  readonly sourceAssetId?: unknown;
}

export interface BuildContext {
  /** The source image's size when it is known (the server always knows it; the browser once loaded). */
  readonly sourceSize?: { readonly width: number; readonly height: number } | undefined;
  /** Inpaint: the share of the image the mask covers (0 to 1), as the server measures it. */
  readonly maskCoverage?: number | undefined;
}

/** The one request a workspace's settings make, and the source image it works on. */
export interface BuiltRequest {
  /** Only the fields the operation takes, defaults applied (steps and variations always present). */
  readonly request: BuiltGenerationRequest;
  /** The source image, for every operation but text-to-image. */
  readonly sourceAssetId: string | undefined;
}

export interface BuiltGenerationRequest {
  readonly operation: Operation;
  readonly model?: string;
  readonly quality?: QualityLevel;
  readonly width?: number;
  readonly height?: number;
  readonly steps?: number;
  readonly variations: number;
  readonly mask?: { readonly coverage: number };
  readonly outpaint?: Readonly<Record<OutpaintSide, number>>;
}

export const defaultOperation: Operation = 'text-to-image';

/**
 * Turns shared settings into exactly one request for the chosen operation. The rules, in order:
 * - the operation is the one set, or text-to-image when none (or an unknown one) is set;
 * - an explicit model wins over a quality level; either is ignored when it does not offer the
 *   operation, and then the catalog's default model for the operation is used;
 * - text-to-image takes the size set (a side not set: the model's first preset's); every other operation takes the
 *   source image's size (and ignores a size left from text-to-image);
 * - a step count is kept only for a model that takes one, clamped to its range, else the model's
 *   default is recorded; variations default to 1;
 * - outpaint keeps its expansion, inpaint its mask coverage; nothing else keeps either;
 * - the source image is dropped for text-to-image.
 * Whatever it returns, `estimate` then checks against the catalog (a size too large for the model,
 * too many variations): faults the user can see and fix in a control on screen.
 */
export function buildRequest(settings: WorkspaceSettings, catalog: Catalog, context: BuildContext = {}): BuiltRequest {
  const operation = operationOf(read(settings, 'operation'));
  const choice = modelChoice(catalog, operation, read(settings, 'model'), read(settings, 'quality'));
  const modelId = choice.model ?? (choice.quality === undefined ? catalog.defaultModels[operation] : modelForQuality(catalog, choice.quality, operation));
  const needs = operationInputs(operation);
  const size = needs.source ? sourceSizeOf(settings, context) : textToImageSize(settings, catalog, modelId, operation);
  const steps = stepsFor(catalog, modelId, read(settings, 'steps'));
  const variations = wholeNumber(read(settings, 'variations')) ?? 1;
  const request: BuiltGenerationRequest = {
    operation,
    ...choice,
    ...size,
    ...(steps === undefined ? {} : { steps }),
    variations,
    ...(operation === 'inpaint' ? { mask: { coverage: context.maskCoverage ?? 0 } } : {}),
    ...(operation === 'outpaint' ? { outpaint: expansionOf(read(settings, 'outpaint')) } : {}),
  };
  const source = read(settings, 'sourceAssetId');
  return { request, sourceAssetId: needs.source && typeof source === 'string' && source !== '' ? source : undefined };
}

function read(settings: WorkspaceSettings, key: keyof WorkspaceSettings): unknown {
  return readProperty(settings, key)?.value;
}

function operationOf(value: unknown): Operation {
  return isOperation(value) ? value : defaultOperation;
}

function modelChoice(catalog: Catalog, operation: Operation, model: unknown, quality: unknown): { model?: string; quality?: QualityLevel } {
  if (typeof model === 'string' && modelsForOperation(catalog, operation).some((candidate) => candidate.id === model)) return { model };
  if (isQualityLevel(quality) && modelForQuality(catalog, quality, operation) !== undefined) return { quality };
  return {};
}

function textToImageSize(settings: WorkspaceSettings, catalog: Catalog, modelId: string | undefined, operation: Operation): { width?: number; height?: number } {
  // Side by side, as the size control shows them: a side not set yet is the first preset's.
  const preset = modelId === undefined ? undefined : sizePresets(catalog, modelId, operation)[0];
  const width = wholeNumber(read(settings, 'width')) ?? preset?.width;
  const height = wholeNumber(read(settings, 'height')) ?? preset?.height;
  return { ...(width === undefined ? {} : { width }), ...(height === undefined ? {} : { height }) };
}

function sourceSizeOf(settings: WorkspaceSettings, context: BuildContext): { width?: number; height?: number } {
  if (context.sourceSize !== undefined) return { width: context.sourceSize.width, height: context.sourceSize.height };
  // Before the source's details arrive, the size written with it when it was picked.
  const width = wholeNumber(read(settings, 'width'));
  const height = wholeNumber(read(settings, 'height'));
  return width !== undefined && height !== undefined && typeof read(settings, 'sourceAssetId') === 'string' ? { width, height } : {};
}

function stepsFor(catalog: Catalog, modelId: string | undefined, value: unknown): number | undefined {
  const range = modelId === undefined ? undefined : stepRange(catalog, modelId);
  if (range === undefined) return undefined;
  const steps = wholeNumber(value);
  if (steps === undefined) return range.default;
  return Math.min(range.maximum, Math.max(range.minimum, steps));
}

function expansionOf(value: unknown): Record<OutpaintSide, number> {
  const expansion = { left: 0, right: 0, top: 0, bottom: 0 };
  if (!isRecord(value)) return expansion;
  for (const side of outpaintSides) {
    const pixels = wholeNumber(readProperty(value, side)?.value);
    if (pixels !== undefined && pixels > 0) expansion[side] = pixels;
  }
  return expansion;
}

function wholeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}
