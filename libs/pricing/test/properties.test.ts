import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog, estimate, listA, listB, sizeRules, stepRange, type Catalog, type GenerationRequest } from '../src/index.js';
import { exhaustedUsage, validRequest, validSize } from './arbitraries.js';
import { creditsOf } from './priced.js';

// The laws of the price, for random valid requests in each shipped catalog. Free allowances are
// spent (`exhaustedUsage`) wherever a law is about paid images.

const catalogs: [string, Catalog][] = [
  ['list A', listA],
  ['list B', listB],
  ['default', defaultCatalog],
];
const runs = { numRuns: 400 };

/** The same request one size up: every side (or expanded side) at least as large. */
function grown(request: GenerationRequest, catalog: Catalog, extraUnits: { width: number; height: number }): GenerationRequest | undefined {
  const rules = sizeRules(catalog, request.model ?? '', request.operation);
  if (rules === undefined) return undefined;
  const bigger =
    request.outpaint === undefined
      ? { ...request, width: request.width + extraUnits.width * rules.multipleOf, height: request.height + extraUnits.height * rules.multipleOf }
      : {
          ...request,
          outpaint: {
            ...request.outpaint,
            right: (request.outpaint.right ?? 0) + extraUnits.width * rules.multipleOf,
            bottom: (request.outpaint.bottom ?? 0) + extraUnits.height * rules.multipleOf,
          },
        };
  return estimate(bigger, catalog).ok ? bigger : undefined;
}

describe.each(catalogs)('price laws in %s', (_name, catalog) => {
  const usage = exhaustedUsage(catalog);

  it('is a whole number ≥ 1 for paid images, the same every time, and the sum of its line items', () => {
    fc.assert(
      fc.property(validRequest(catalog), (request) => {
        const first = estimate(request, catalog, usage);
        const second = estimate(structuredClone(request), catalog, usage);
        expect(second).toEqual(first);
        if (!first.ok) return false;
        expect(Number.isInteger(first.credits)).toBe(true);
        expect(first.credits).toBeGreaterThanOrEqual(request.variations ?? 1);
        expect(first.lineItems.reduce((sum, item) => sum + item.credits, 0)).toBe(first.credits);
        for (const item of first.lineItems) expect(item.credits).toBe(item.quantity * item.unitCredits);
        return true;
      }),
      runs,
    );
  });

  it('never falls when the image grows', () => {
    const extra = fc.record({ width: fc.integer({ min: 0, max: 8 }), height: fc.integer({ min: 0, max: 8 }) });
    fc.assert(
      fc.property(validRequest(catalog), extra, (request, units) => {
        const bigger = grown(request, catalog, units);
        fc.pre(bigger !== undefined);
        return creditsOf(bigger, catalog, usage) >= creditsOf(request, catalog, usage);
      }),
      runs,
    );
  });

  it('charges n variations exactly n × one', () => {
    fc.assert(
      fc.property(validRequest(catalog), (request) => {
        const one = creditsOf({ ...request, variations: 1 }, catalog, usage);
        return creditsOf(request, catalog, usage) === (request.variations ?? 1) * one;
      }),
      runs,
    );
  });
});

// List B has no model that takes steps.
describe.each(catalogs.filter(([, catalog]) => catalog.models.some((model) => model.steps !== undefined)))('step law in %s', (_name, catalog) => {
  const usage = exhaustedUsage(catalog);

  it('never falls when steps rise', () => {
    fc.assert(
      fc.property(validRequest(catalog, ({ model }) => stepRange(catalog, model) !== undefined), fc.nat(), fc.nat(), (request, first, second) => {
        const range = stepRange(catalog, request.model ?? '');
        if (range === undefined) return false;
        const span = range.maximum - range.minimum + 1;
        const [fewer, more] = [range.minimum + (first % span), range.minimum + (second % span)].sort((a, b) => a - b);
        return creditsOf({ ...request, steps: more }, catalog, usage) >= creditsOf({ ...request, steps: fewer }, catalog, usage);
      }),
      runs,
    );
  });
});

describe('price laws in list A', () => {
  const flux = (filter: (model: string) => boolean = () => true) => validRequest(listA, ({ model, operation }) => operation === 'text-to-image' && filter(model));

  it('prices 512×512 at 25% of 1024×1024, within one credit of rounding', () => {
    fc.assert(
      fc.property(flux(), (request) => {
        const small = creditsOf({ ...request, width: 512, height: 512, variations: 1 }, listA);
        const large = creditsOf({ ...request, width: 1024, height: 1024, variations: 1 }, listA);
        return Math.abs(small - large / 4) <= 1;
      }),
      runs,
    );
  });

  it('prices 25 steps at 50% of 50, within one credit of rounding', () => {
    fc.assert(
      fc.property(
        flux((model) => (stepRange(listA, model)?.maximum ?? 0) >= 50),
        (request) => {
          const half = creditsOf({ ...request, steps: 25, variations: 1 }, listA);
          const full = creditsOf({ ...request, steps: 50, variations: 1 }, listA);
          return Math.abs(half - full / 2) <= 1;
        },
      ),
      runs,
    );
  });

  it('prices inpaint like text-to-image of the same size, within 10% (or one credit of rounding)', () => {
    fc.assert(
      fc.property(flux(), fc.double({ min: 0, max: 1, noNaN: true }), (request, coverage) => {
        const plain = creditsOf(request, listA);
        const inpaint = creditsOf({ ...request, operation: 'inpaint', mask: { coverage } }, listA);
        return inpaint >= plain && inpaint - plain <= Math.max(0.1 * plain, request.variations ?? 1);
      }),
      runs,
    );
  });

  it('never lowers the outpaint price as the expansion grows', () => {
    const source = validSize({ multipleOf: 32, minimumSide: 256, maximumSide: 1024, maximumMegapixels: 1.05 });
    fc.assert(
      fc.property(flux(), source, fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 32 }), (request, size, first, second) => {
        const outpaint = (units: number) => creditsOf({ ...request, ...size, operation: 'outpaint', variations: 1, outpaint: { right: units * 32 } }, listA);
        return outpaint(Math.min(first, second)) <= outpaint(Math.max(first, second));
      }),
      runs,
    );
  });

  it('charges a 256 px expansion of 1024×1024 less than a 1024 px one, on any side', () => {
    fc.assert(
      fc.property(flux(), fc.constantFrom('left', 'right', 'top', 'bottom'), (request, side) => {
        const outpaint = (pixels: number) =>
          creditsOf({ ...request, width: 1024, height: 1024, operation: 'outpaint', variations: 1, outpaint: { [side]: pixels } }, listA);
        return outpaint(256) < outpaint(1024);
      }),
      runs,
    );
  });
});
