import { describe, expect, it } from 'vitest';
import { edited } from '../test/edit-json.js';
import { parseCatalog } from './parse-catalog.js';
import defaultData from './catalogs/default.json' with { type: 'json' };

// The rules that tie one part of a catalog to another, each reported at the path to fix.

/** The issues of the default catalog with values changed at dotted paths. */
function issuesAfter(changes: Record<string, unknown>) {
  const result = parseCatalog(edited(defaultData, changes));
  return result.ok ? [] : result.issues;
}

const indexOf = (id: string) => defaultData.models.findIndex((model) => model.id === id);

describe('catalog cross-checks', () => {
  it('refuses a duplicate model id', () => {
    // flux-dev disappears with it, so the defaults that name it are reported too.
    expect(issuesAfter({ 'models.1.id': 'flux-schnell' })).toContainEqual({ path: 'models.1.id', message: 'duplicate model id "flux-schnell"' });
  });

  it('refuses defaults and quality levels that name a missing model or one without the operation', () => {
    expect(issuesAfter({ 'qualityLevels.draft.inpaint': 'nope' })).toEqual([
      { path: 'qualityLevels.draft.inpaint', message: 'no model "nope" in this catalog' },
    ]);
    expect(issuesAfter({ 'defaultModels.upscale-fast': 'flux-dev' })).toEqual([
      { path: 'defaultModels.upscale-fast', message: 'model "flux-dev" does not offer upscale-fast' },
    ]);
  });

  it('refuses steps outside their own range', () => {
    expect(issuesAfter({ 'models.1.steps.default': 60 })).toEqual([{ path: 'models.1.steps', message: 'needs minimum ≤ default ≤ maximum' }]);
  });

  it('refuses per-megapixel-step pricing for a model without steps', () => {
    const ultra = indexOf('stability-ultra');
    expect(
      issuesAfter({ [`models.${ultra}.operations.text-to-image.pricing`]: { kind: 'per-megapixel-step', creditsPerMegapixelStep: 2 } }),
    ).toEqual([{ path: `models.${ultra}.operations.text-to-image.pricing`, message: 'per-megapixel-step pricing needs the model to declare steps' }]);
  });

  it('keeps the mask surcharge to inpaint', () => {
    expect(issuesAfter({ 'models.0.operations.text-to-image.pricing.maskSurchargePercent': 5 })).toEqual([
      { path: 'models.0.operations.text-to-image.pricing.maskSurchargePercent', message: 'only inpaint has a mask' },
    ]);
  });

  it('needs size tiers that rise in size and never fall in price, ending unbounded', () => {
    const qwen = indexOf('qwen-image');
    const path = `models.${qwen}.operations.text-to-image.pricing.tiers`;
    const setTiers = (tiers: unknown) => ({ [path]: tiers });
    expect(issuesAfter(setTiers([{ upToMegapixels: 1, credits: 20 }, { credits: 10 }]))).toEqual([
      { path: `${path}.1.credits`, message: 'a larger tier may not cost less' },
    ]);
    expect(issuesAfter(setTiers([{ upToMegapixels: 2, credits: 10 }, { upToMegapixels: 1, credits: 20 }, { credits: 30 }]))).toEqual([
      { path: `${path}.1.upToMegapixels`, message: 'tiers must rise in size' },
    ]);
    expect(issuesAfter(setTiers([{ upToMegapixels: 1, credits: 10 }]))).toEqual([
      { path: `${path}.0`, message: 'only the last tier, and always it, has no upToMegapixels' },
    ]);
  });

  it('needs size rules some image can meet', () => {
    // The presets then break the rules too, and are reported after.
    expect(issuesAfter({ 'models.0.size': { multipleOf: 100, minimumSide: 256, maximumSide: 290, maximumMegapixels: 1 } })[0]).toEqual({
      path: 'models.0.size',
      message: 'no multiple of 100 lies between minimumSide and maximumSide',
    });
    expect(issuesAfter({ 'models.0.size.maximumMegapixels': 0.01 })[0]).toEqual({
      path: 'models.0.size.maximumMegapixels',
      message: 'smaller than the smallest allowed square',
    });
  });

  it('needs presets that meet the size rules', () => {
    expect(issuesAfter({ 'models.0.sizePresets.6': { width: 1000, height: 1000 } })).toEqual([
      { path: 'models.0.sizePresets.6', message: '1000×1000 breaks the model\'s size rules' },
    ]);
  });

  it('needs one free allowance to mean one thing wherever it appears', () => {
    const imagen = indexOf('imagen-4');
    expect(issuesAfter({ [`models.${imagen}.operations.text-to-image.pricing.freeAllowance.id`]: 'huggingface-flux' })).toMatchObject([
      { path: `models.${imagen}.operations.text-to-image.pricing.freeAllowance`, message: expect.stringContaining('differs from the one at models.') as unknown },
    ]);
  });

  it('needs a model to offer something, and a rule minimum no lower than the catalog minimum', () => {
    expect(issuesAfter({ 'models.0.operations': {} })).toContainEqual({ path: 'models.0.operations', message: 'a model must offer at least one operation' });
    expect(
      issuesAfter({ minimumCredits: 5, 'models.0.operations.inpaint.pricing.minimumCredits': 2 }),
    ).toEqual([{ path: 'models.0.operations.inpaint.pricing.minimumCredits', message: "below the catalog's minimumCredits (5)" }]);
  });
});
