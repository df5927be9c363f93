import { describe, expect, it } from 'vitest';
import { defaultCatalog, estimate, listA, listB, parseCatalog, pricingLimits } from '../src/index.js';
import defaultData from '../src/catalogs/default.json' with { type: 'json' };
import { at, edited } from './edit-json.js';

// Every price-relevant field has a named limit: the catalog's own (maximumVariations, each model's
// maximumSide and maximumMegapixels, step ranges) inside the hard `pricingLimits` no catalog may
// exceed.

const dev = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 1024 };

/** The paths of the issues of the default catalog with values changed at dotted paths. */
function catalogIssues(changes: Record<string, unknown>) {
  const result = parseCatalog(edited(defaultData, changes));
  return result.ok ? [] : result.issues.map((issue) => issue.path);
}

describe('request limits', () => {
  it('takes up to maximumVariations images in a request, and no more', () => {
    for (const catalog of [listA, listB, defaultCatalog]) {
      const request = { operation: 'upscale-fast', width: 512, height: 512 };
      const base = catalog === listA ? dev : request;
      expect(catalog.maximumVariations).toBe(20);
      expect(estimate({ ...base, variations: 20 }, catalog).ok).toBe(true);
      expect(estimate({ ...base, variations: 21 }, catalog)).toMatchObject({
        ok: false,
        errors: [{ field: 'variations', code: 'out_of_range', allowed: { min: 1, max: 20 } }],
      });
    }
  });

  it("holds each side to the model's maximumSide and minimumSide", () => {
    expect(estimate({ ...dev, width: 1440 }, listA).ok).toBe(true);
    expect(estimate({ ...dev, width: 1472 }, listA)).toMatchObject({ ok: false, errors: [{ field: 'width', allowed: { max: 1440 } }] });
    expect(estimate({ ...dev, height: 224 }, listA)).toMatchObject({ ok: false, errors: [{ field: 'height', allowed: { min: 256 } }] });
  });

  it("holds the area to the model's maximumMegapixels", () => {
    const upscale = { operation: 'upscale-creative', width: 1024, height: 1024 };
    expect(estimate(upscale, listB).ok).toBe(true);
    expect(estimate({ ...upscale, width: 1025 }, listB)).toMatchObject({
      ok: false,
      errors: [{ field: 'width', code: 'too_many_megapixels', allowed: { maxMegapixels: 1.048576 } }],
    });
  });

  it('holds steps to the model range', () => {
    expect(estimate({ ...dev, steps: 50 }, listA).ok).toBe(true);
    expect(estimate({ ...dev, steps: 51 }, listA)).toMatchObject({ ok: false, errors: [{ field: 'steps', allowed: { min: 20, max: 50 } }] });
  });

  it('quotes a rejected value in short', () => {
    const result = estimate({ ...dev, model: 'x'.repeat(100_000) }, listA);
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'model', code: 'unknown_model' }] });
    expect(!result.ok && result.errors[0]?.message.length).toBeLessThan(20 + pricingLimits.maximumQuotedInputLength);
  });
});

describe('catalog limits', () => {
  it('refuses a catalog beyond any hard limit, naming the path', () => {
    expect(catalogIssues({ maximumVariations: pricingLimits.maximumVariations + 1 })).toEqual(['maximumVariations']);
    expect(catalogIssues({ 'models.0.size.maximumSide': pricingLimits.maximumSidePixels + 1 })).toEqual(['models.0.size.maximumSide']);
    expect(catalogIssues({ 'models.0.size.maximumMegapixels': pricingLimits.maximumMegapixels + 1 })).toEqual(['models.0.size.maximumMegapixels']);
    expect(catalogIssues({ 'models.1.steps.maximum': pricingLimits.maximumSteps + 1 })).toEqual(['models.1.steps.maximum']);
    expect(catalogIssues({ 'models.1.operations.text-to-image.pricing.creditsPerMegapixelStep': pricingLimits.maximumCreditsPerMegapixelStep + 1 })).toEqual([
      'models.1.operations.text-to-image.pricing.creditsPerMegapixelStep',
    ]);
    expect(catalogIssues({ 'models.5.operations.text-to-image.pricing.credits': pricingLimits.maximumFlatCredits + 1 })).toEqual([
      'models.5.operations.text-to-image.pricing.credits',
    ]);
    expect(catalogIssues({ 'models.0.id': 'x'.repeat(pricingLimits.maximumIdLength + 1) })).toContain('models.0.id');
    expect(catalogIssues({ models: Array.from({ length: pricingLimits.maximumModels + 1 }, () => at(defaultData, 'models.0')) })).toEqual(['models']);
    expect(catalogIssues({ 'models.0.sizePresets': Array.from({ length: pricingLimits.maximumSizePresets + 1 }, () => ({ width: 512, height: 512 })) })).toEqual([
      'models.0.sizePresets',
    ]);
  });

  it('keeps the dearest request any catalog allows an exact, safe integer', () => {
    const maximum = pricingLimits.maximumSidePixels;
    const data = edited(defaultData, {
      maximumVariations: pricingLimits.maximumVariations,
      qualityLevels: {},
      defaultModels: {},
      'models.1.size': { multipleOf: 1, minimumSide: 1, maximumSide: maximum, maximumMegapixels: pricingLimits.maximumMegapixels },
      'models.1.sizePresets': [],
      'models.1.steps': { minimum: 1, maximum: pricingLimits.maximumSteps, default: 1 },
      'models.1.operations': {
        inpaint: { pricing: { kind: 'per-megapixel-step', creditsPerMegapixelStep: pricingLimits.maximumCreditsPerMegapixelStep, maskSurchargePercent: 100 } },
      },
    });
    const parsed = parseCatalog(data);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const width = maximum;
    const height = Math.floor((pricingLimits.maximumMegapixels * 1_000_000) / maximum);
    const result = estimate(
      { operation: 'inpaint', model: 'flux-dev', width, height, steps: pricingLimits.maximumSteps, variations: pricingLimits.maximumVariations, mask: { coverage: 1 } },
      parsed.catalog,
    );
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const unit = (BigInt(width * height) * 1000n * 100_000n * 2n + 500_000n) / 1_000_000n;
    expect(BigInt(result.credits)).toBe(unit * 100n);
    expect(Number.isSafeInteger(result.credits)).toBe(true);
  });
});
