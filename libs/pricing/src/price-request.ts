import type { Catalog } from './catalog.js';
import type { EstimateSuccess, LineItem } from './estimate-result.js';
import { unitPrice, unitWord } from './unit-price.js';
import type { ResolvedRequest } from './validate-request.js';

/**
 * The price of a checked request: n variations cost n × the rounded price of one, less the images
 * a free allowance still covers, which cost 0.
 */
export function priceRequest(request: ResolvedRequest, catalog: Catalog, freeUnitsUsed: number): EstimateSuccess {
  const unit = unitPrice(request, catalog.unit);
  const allowance = request.offer.pricing.freeAllowance;
  const remaining = allowance === undefined ? 0 : Math.max(0, allowance.units - freeUnitsUsed);
  const freeImages = Math.min(request.variations, remaining);
  const paidImages = request.variations - freeImages;
  const lineItems: LineItem[] = [];
  if (allowance !== undefined && freeImages > 0) {
    lineItems.push({
      description: `${unit.subject}: ${imageCount(freeImages)} on the free tier (${freeUnitsUsed} of ${allowance.units} free per ${allowance.period} used before this) = 0 ${catalog.unit.plural}`,
      quantity: freeImages,
      unitCredits: 0,
      credits: 0,
    });
  }
  if (paidImages > 0) {
    const credits = paidImages * unit.credits;
    const each = paidImages === 1 ? '' : ` each × ${paidImages} images = ${credits} ${unitWord(credits, catalog.unit)}`;
    const exhausted = allowance !== undefined && remaining < request.variations ? ` (free tier of ${allowance.units} per ${allowance.period} used up)` : '';
    lineItems.push({ description: `${unit.computation}${each}${exhausted}`, quantity: paidImages, unitCredits: unit.credits, credits });
  }
  return {
    ok: true,
    credits: paidImages * unit.credits,
    lineItems,
    catalogId: catalog.id,
    catalogVersion: catalog.version,
    operation: request.operation,
    modelId: request.model.model.id,
    provider: request.model.model.provider,
    steps: request.steps,
    ...(allowance === undefined || freeImages === 0 ? {} : { freeUnits: { allowanceId: allowance.id, period: allowance.period, units: freeImages } }),
  };
}

function imageCount(images: number): string {
  return images === 1 ? '1 image' : `${images} images`;
}
