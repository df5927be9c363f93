import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog, estimate, listA, listB, stepRange, type Catalog } from '../src/index.js';
import { creditsOf } from './priced.js';

// The two laws pricing-reference.md asks of the catalogs, beside the worked figures.

const offeredSizes = [
  [512, 512],
  [768, 768],
  [1024, 1024],
  [1024, 1440],
  [1440, 1440],
] as const;
/** List A's Flux.1 family (the per-megapixel-step models); List B's hosted FLUX is a flat-priced service, not a Flux.1 option. */
const otherFlux = ['flux-dev', 'flux-pro', 'flux-1.1-pro', 'flux-realism-lora'] as const;

describe('Flux.1 [schnell] at its 4 steps is the cheapest Flux option at every offered size', () => {
  for (const catalog of [listA, defaultCatalog] as Catalog[]) {
    it(`in ${catalog.id}, against every other Flux model at any step count it allows`, () => {
      fc.assert(
        fc.property(fc.constantFrom(...offeredSizes), fc.constantFrom(...otherFlux), fc.nat(), ([width, height], model, pick) => {
          const range = stepRange(catalog, model);
          if (range === undefined) throw new Error(`${model} has no steps`);
          const steps = range.minimum + (pick % (range.maximum - range.minimum + 1));
          const schnell = creditsOf({ operation: 'text-to-image', model: 'flux-schnell', width, height, steps: 4 }, catalog);
          const other = creditsOf({ operation: 'text-to-image', model, width, height, steps }, catalog);
          expect(schnell, `${model} ${String(width)}×${String(height)} at ${String(steps)} steps`).toBeLessThanOrEqual(other);
        }),
        { seed: 14, numRuns: 300 },
      );
    });
  }

  it('and strictly cheaper than [dev] at its fewest steps above 512×512, while 512×512 stays 10 tokens', () => {
    const at = (model: string, width: number, height: number, steps: number) => creditsOf({ operation: 'text-to-image', model, width, height, steps }, listA);
    expect(at('flux-schnell', 512, 512, 4)).toBe(10);
    for (const [width, height] of offeredSizes.slice(1)) {
      expect(at('flux-schnell', width, height, 4)).toBeLessThan(at('flux-dev', width, height, stepRange(listA, 'flux-dev')?.minimum ?? 20));
    }
  });
});

describe('List B’s four worked examples come out exact at one size, 1024×1024', () => {
  const size = { width: 1024, height: 1024 };
  const create = (quality: string, variations = 1) => ({ operation: 'text-to-image', quality, ...size, variations });
  const edit = (operation: string, variations = 1) => ({ operation, ...size, variations });
  for (const [catalog, scale] of [
    [listB, 1],
    [defaultCatalog, 10],
  ] as const) {
    it(`in ${catalog.id} (× ${String(scale)})`, () => {
      const price = (request: Record<string, unknown>) => creditsOf(request, catalog);
      expect(price(create('standard', 5)) + price(edit('remove-background', 3))).toBe(29 * scale);
      expect(price(create('premium')) + price(edit('upscale-conservative'))).toBe(12 * scale);
      expect(price(create('premium')) + price(edit('remove-background')) + price(edit('search-and-recolor', 3))).toBe(21 * scale);
      const tenEdits = price(edit('general-edit', 10));
      expect(price(create('draft', 20)) + tenEdits + price(edit('upscale-fast', 5))).toBe(90 * scale);
      // "Edits" are 4 each whichever List B edit it is: general edit and Stability's inpaint alike.
      expect(price({ ...edit('inpaint', 10), model: 'stability-edit', mask: { coverage: 0.3 } })).toBe(tenEdits);
    });
  }

  it('every price is a whole number, at least 1 for a paid operation', () => {
    for (const catalog of [listA, listB, defaultCatalog]) {
      for (const model of catalog.models) {
        for (const operation of Object.keys(model.operations)) {
          const result = estimate({ operation, model: model.id, ...size, ...(operation === 'inpaint' ? { mask: { coverage: 0.2 } } : {}), ...(operation === 'outpaint' ? { outpaint: { left: 64 } } : {}) }, catalog, { freeUnitsUsed: { 'huggingface-flux': 1_000, 'gemini-imagen': 1_000 } });
          if (!result.ok) continue; // a size the model does not offer
          expect(Number.isInteger(result.credits)).toBe(true);
          expect(result.credits, `${catalog.id} ${model.id} ${operation}`).toBeGreaterThanOrEqual(1);
        }
      }
    }
  });
});
