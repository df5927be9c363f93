import type { Catalog, CatalogModel, PricingRule, SizeRules } from './catalog.js';
import { offersOf } from './check-catalog.js';
import type { Operation } from './operation.js';
import { decimalToRatio, type Ratio } from './rational.js';
import { megapixelsToPixels } from './size.js';

/** A checked catalog arranged for pricing: lookups by id, rates as exact ratios, bounds in pixels. */
export interface CatalogIndex {
  readonly catalog: Catalog;
  readonly models: ReadonlyMap<string, IndexedModel>;
  /** Model ids offering each operation, in catalog order. */
  readonly modelIdsByOperation: ReadonlyMap<Operation, readonly string[]>;
}

export interface IndexedModel {
  readonly model: CatalogModel;
  readonly offers: ReadonlyMap<Operation, IndexedOffer>;
}

export interface IndexedOffer {
  readonly operation: Operation;
  readonly size: SizeRules;
  readonly maximumPixels: number;
  readonly pricing: PricingRule;
  readonly minimumCredits: number;
  /** The per-megapixel-step rate as an exact ratio; absent for other rules. */
  readonly rate: Ratio | undefined;
  /** Each size tier's bound in pixels, parallel to `pricing.tiers`; the last is Infinity. */
  readonly tierBoundsPixels: readonly number[];
}

export function buildCatalogIndex(catalog: Catalog): CatalogIndex {
  const models = new Map<string, IndexedModel>();
  const modelIdsByOperation = new Map<Operation, string[]>();
  for (const model of catalog.models) {
    const offers = new Map<Operation, IndexedOffer>();
    for (const [operation, offer] of offersOf(model)) {
      const size = offer.size ?? model.size;
      const pricing = offer.pricing;
      offers.set(operation, {
        operation,
        size,
        maximumPixels: megapixelsToPixels(size.maximumMegapixels),
        pricing,
        minimumCredits: pricing.minimumCredits ?? catalog.minimumCredits,
        rate: pricing.kind === 'per-megapixel-step' ? decimalToRatio(pricing.creditsPerMegapixelStep) : undefined,
        tierBoundsPixels:
          pricing.kind === 'size-tiers'
            ? pricing.tiers.map((tier) => (tier.upToMegapixels === undefined ? Infinity : megapixelsToPixels(tier.upToMegapixels)))
            : [],
      });
      const ids = modelIdsByOperation.get(operation) ?? [];
      ids.push(model.id);
      modelIdsByOperation.set(operation, ids);
    }
    models.set(model.id, { model, offers });
  }
  return { catalog, models, modelIdsByOperation };
}
