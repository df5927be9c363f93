import type { Catalog, CatalogModel, FreeAllowance, ImageSize, OperationOffer, PricingRule, SizeRules, SizeTier, StepRange } from './catalog.js';
import { pricingLimits } from './limits.js';
import { operations, qualityLevels } from './operation.js';
import { list, number, object, oneOf, optional, partialRecord, tagged, text, wholeNumber, type Parser } from './schema.js';

// The shape of a catalog, field by field, typed against the `Catalog` interfaces so the two cannot
// drift. Rules that relate fields to each other (a tier above the one before it, a quality level
// naming a model that offers the operation) live in check-catalog.ts.

/** A positive decimal that converts to an exact ratio (see `decimalToRatio`). */
function positiveDecimal(maximum: number): Parser<number> {
  return number(
    (value) => value > 0 && value <= maximum && /^\d+(?:\.\d+)?$/.test(String(value)) && decimalPlaces(value) <= pricingLimits.maximumDecimalPlaces,
    `must be above 0 and at most ${maximum}, with at most ${pricingLimits.maximumDecimalPlaces} decimal places`,
  );
}

function decimalPlaces(value: number): number {
  return (String(value).split('.')[1] ?? '').length;
}

const slug = text(
  /^[a-z0-9][a-z0-9.-]*$/,
  pricingLimits.maximumIdLength,
  `must be a lowercase slug (a-z, 0-9, ".", "-") of at most ${pricingLimits.maximumIdLength} characters`,
);
const name = text(/\S/, pricingLimits.maximumNameLength, `must be a text of 1 to ${pricingLimits.maximumNameLength} characters`);
const side = wholeNumber(1, pricingLimits.maximumSidePixels);
const credits = wholeNumber(1, pricingLimits.maximumFlatCredits);
const steps = wholeNumber(1, pricingLimits.maximumSteps);

const sizeRules = object<SizeRules>({
  multipleOf: side,
  minimumSide: side,
  maximumSide: side,
  maximumMegapixels: positiveDecimal(pricingLimits.maximumMegapixels),
});

const freeAllowance = object<FreeAllowance>({
  id: slug,
  units: wholeNumber(1, pricingLimits.maximumFreeAllowanceUnits),
  period: oneOf(['day', 'month']),
});

const ruleBase = { minimumCredits: optional(credits), freeAllowance: optional(freeAllowance) };

const pricingRule = tagged<PricingRule>({
  'per-megapixel-step': object({
    kind: oneOf(['per-megapixel-step']),
    creditsPerMegapixelStep: positiveDecimal(pricingLimits.maximumCreditsPerMegapixelStep),
    maskSurchargePercent: optional(wholeNumber(0, 100)),
    ...ruleBase,
  }),
  flat: object({ kind: oneOf(['flat']), credits, ...ruleBase }),
  'size-tiers': object({
    kind: oneOf(['size-tiers']),
    tiers: list(object<SizeTier>({ upToMegapixels: optional(positiveDecimal(pricingLimits.maximumMegapixels)), credits }), 1, pricingLimits.maximumTiers),
    ...ruleBase,
  }),
});

const model = object<CatalogModel>({
  id: slug,
  name,
  provider: slug,
  size: sizeRules,
  sizePresets: optional(list(object<ImageSize>({ width: side, height: side }), 0, pricingLimits.maximumSizePresets)),
  steps: optional(object<StepRange>({ minimum: steps, maximum: steps, default: steps })),
  operations: partialRecord(operations, object<OperationOffer>({ pricing: pricingRule, size: optional(sizeRules) })),
});

export const parseCatalogShape: Parser<Catalog> = object<Catalog>({
  id: slug,
  version: wholeNumber(1, Number.MAX_SAFE_INTEGER),
  name,
  unit: object({ singular: name, plural: name }),
  minimumCredits: credits,
  maximumVariations: wholeNumber(1, pricingLimits.maximumVariations),
  defaultModels: partialRecord(operations, slug),
  qualityLevels: partialRecord(qualityLevels, partialRecord(operations, slug)),
  models: list(model, 1, pricingLimits.maximumModels),
});
