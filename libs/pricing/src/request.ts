import type { Operation, QualityLevel } from './operation.js';

/**
 * What a user asks to have priced. `estimate` takes it as `unknown` (raw JSON from an HTTP body,
 * browser state) and checks every field; this type is the shape it accepts.
 */
export interface GenerationRequest {
  readonly operation: Operation;
  /** A model id; give this or `quality`, or neither for the catalog's default model. */
  readonly model?: string;
  readonly quality?: QualityLevel;
  /**
   * In pixels: the output for text-to-image, the source image for every other operation
   * (outpaint adds its expansion to it).
   */
  readonly width: number;
  readonly height: number;
  /** For models that take a step count; the model's default when absent. */
  readonly steps?: number;
  /** How many images; 1 when absent. */
  readonly variations?: number;
  /** Inpaint only. */
  readonly mask?: MaskCoverage;
  /** Outpaint only. */
  readonly outpaint?: OutpaintExpansion;
}

export interface MaskCoverage {
  /** Share of the image the mask covers, 0 to 1; priced in whole percent. */
  readonly coverage: number;
}

/** Pixels added on each side; an absent side adds none. The price is that of the final canvas. */
export interface OutpaintExpansion {
  readonly left?: number;
  readonly right?: number;
  readonly top?: number;
  readonly bottom?: number;
}

export const outpaintSides = ['left', 'right', 'top', 'bottom'] as const;

export type OutpaintSide = (typeof outpaintSides)[number];

/** Free units spent this period, per allowance id (the catalog's `freeAllowance.id`). */
export interface Usage {
  readonly freeUnitsUsed?: Readonly<Record<string, number>>;
}
