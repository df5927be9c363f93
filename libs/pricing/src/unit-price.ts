import { assert } from './assert.js';
import type { CreditUnit } from './catalog.js';
import { operationLabel } from './operation.js';
import { roundHalfUp, type Ratio } from './rational.js';
import { outpaintSides } from './request.js';
import { formatMegapixels, pixelsPerMegapixel } from './size.js';
import type { ResolvedRequest } from './validate-request.js';

/** The price of one image and how it was reached, in words. */
export interface UnitPrice {
  readonly credits: number;
  /** Model, operation and size: "Flux.1 [dev] text-to-image, 1024×1440". */
  readonly subject: string;
  /** The subject and the arithmetic: "… = 1.47 MP × 28 steps × 1.9 credits per MP·step = 78 credits". */
  readonly computation: string;
}

const percentSquared = 10_000n;

/**
 * The price of one image of a checked request. Arithmetic is exact until `roundHalfUp`, the one
 * rounding step; the rule's minimum applies after it. Kept free of words, because
 * `suggestCheaper` calls it thousands of times.
 */
export function unitCredits(request: ResolvedRequest): number {
  const { offer } = request;
  const pricing = offer.pricing;
  switch (pricing.kind) {
    case 'per-megapixel-step':
      return Math.max(offer.minimumCredits, Number(roundHalfUp(...exactPrice(request))));
    case 'flat':
      return Math.max(offer.minimumCredits, pricing.credits);
    case 'size-tiers':
      return Math.max(offer.minimumCredits, tierOf(request).tier.credits);
  }
}

/** `unitCredits` with its explanation, for line items. */
export function unitPrice(request: ResolvedRequest, unit: CreditUnit): UnitPrice {
  const credits = unitCredits(request);
  const subject = `${request.model.model.name} ${operationLabel(request.operation)}, ${sizeWords(request)}`;
  const pricing = request.offer.pricing;
  const creditWords = `${credits} ${unitWord(credits, unit)}`;
  const megapixels = `${formatMegapixels(pricedPixels(request))} MP`;
  switch (pricing.kind) {
    case 'per-megapixel-step': {
      const [numerator, denominator] = exactPrice(request);
      const surcharge = maskFactor(request);
      const maskWords = surcharge === percentSquared ? '' : ` × ${String(Number(surcharge) / 10_000)} for a ${request.maskCoveragePercent ?? 0}% mask`;
      const rounded = Number(roundHalfUp(numerator, denominator));
      const result =
        credits === rounded ? creditWords : `${(Number(numerator) / Number(denominator)).toFixed(2)}, raised to the minimum of ${creditWords}`;
      const computation = `${subject} = ${megapixels} × ${stepWords(request.steps ?? 0)} × ${pricing.creditsPerMegapixelStep} ${unit.plural} per MP·step${maskWords} = ${result}`;
      return { credits, subject, computation };
    }
    case 'flat':
      return { credits, subject, computation: `${subject}: ${creditWords}` };
    case 'size-tiers': {
      const { tier, previous } = tierOf(request);
      const bound =
        tier.upToMegapixels !== undefined ? `up to ${tier.upToMegapixels} MP` : previous?.upToMegapixels !== undefined ? `over ${previous.upToMegapixels} MP` : 'any size';
      return { credits, subject, computation: `${subject} = ${megapixels} (${bound}): ${creditWords}` };
    }
  }
}

/** price = pixels/10⁶ × steps × rate × (1 + surcharge% × coverage%), as one ratio of integers. */
function exactPrice(request: ResolvedRequest): [numerator: bigint, denominator: bigint] {
  const rate: Ratio | undefined = request.offer.rate;
  assert(rate !== undefined && request.steps !== undefined, 'a per-megapixel-step price has a rate and steps');
  return [
    BigInt(pricedPixels(request)) * BigInt(request.steps) * rate.numerator * maskFactor(request),
    BigInt(pixelsPerMegapixel) * rate.denominator * percentSquared,
  ];
}

/** 10,000 × (1 + surcharge% × coverage%): the mask's minor effect on an inpaint price. */
function maskFactor(request: ResolvedRequest): bigint {
  const pricing = request.offer.pricing;
  if (request.operation !== 'inpaint' || pricing.kind !== 'per-megapixel-step') return percentSquared;
  return percentSquared + BigInt((pricing.maskSurchargePercent ?? 0) * (request.maskCoveragePercent ?? 0));
}

function tierOf(request: ResolvedRequest) {
  const pricing = request.offer.pricing;
  assert(pricing.kind === 'size-tiers', 'tiers belong to a size-tiers rule');
  const pixels = pricedPixels(request);
  const index = request.offer.tierBoundsPixels.findIndex((bound) => pixels <= bound);
  const tier = pricing.tiers[index];
  assert(tier !== undefined, 'the last size tier is unbounded');
  return { tier, previous: pricing.tiers[index - 1] };
}

/** The image the price depends on: the final canvas for outpaint, the request's size otherwise. */
export function pricedSize(request: ResolvedRequest): { readonly width: number; readonly height: number } {
  const expansion = request.expansion;
  if (expansion === undefined) return request;
  return { width: request.width + expansion.left + expansion.right, height: request.height + expansion.top + expansion.bottom };
}

function pricedPixels(request: ResolvedRequest): number {
  const { width, height } = pricedSize(request);
  return width * height;
}

function sizeWords(request: ResolvedRequest): string {
  const expansion = request.expansion;
  const source = `${request.width}×${request.height}`;
  if (expansion === undefined) return source;
  const sides = outpaintSides
    .filter((side) => expansion[side] > 0)
    .map((side) => `${side} ${expansion[side]}`)
    .join(', ');
  const { width, height } = pricedSize(request);
  return `${source} expanded ${sides} px to ${width}×${height}`;
}

function stepWords(steps: number): string {
  return steps === 1 ? '1 step' : `${steps} steps`;
}

export function unitWord(credits: number, unit: CreditUnit): string {
  return credits === 1 ? unit.singular : unit.plural;
}
