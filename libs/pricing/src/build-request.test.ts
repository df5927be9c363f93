import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRequest } from './build-request.js';
import { defaultCatalog, listA, listB } from './catalogs.js';
import { modelsForOperation, operationsOffered, qualityLevelsForOperation, sizePresets, stepRange } from './catalog-queries.js';
import { estimate } from './estimate.js';
import { qualityLevels } from './operation.js';

describe('buildRequest', () => {
  it('prices a brand-new workspace at once: the first preset of the default model, its default steps', () => {
    const built = buildRequest({}, defaultCatalog);
    const model = defaultCatalog.defaultModels['text-to-image'] ?? '';
    const preset = sizePresets(defaultCatalog, model, 'text-to-image')[0];
    expect(built.request).toEqual({ operation: 'text-to-image', width: preset?.width, height: preset?.height, steps: stepRange(defaultCatalog, model)?.default, variations: 1 });
    expect(estimate(built.request, defaultCatalog).ok).toBe(true);
  });

  it('drops a step count the operation does not take, and a source text-to-image does not use', () => {
    const stale = { operation: 'upscale-fast', steps: 50, sourceAssetId: 'a', width: 768, height: 768 };
    const built = buildRequest(stale, defaultCatalog, { sourceSize: { width: 1024, height: 1024 } });
    expect(built.request.steps).toBeUndefined();
    expect(built.request).toMatchObject({ width: 1024, height: 1024 });
    expect(estimate(built.request, defaultCatalog).ok).toBe(true);
    const back = buildRequest({ ...stale, operation: 'text-to-image' }, defaultCatalog);
    expect(back.sourceAssetId).toBeUndefined();
    expect(back.request).toMatchObject({ width: 768, height: 768, operation: 'text-to-image' });
  });

  it('an explicit model wins over a quality level; a model that does not offer the operation is ignored', () => {
    expect(buildRequest({ model: 'flux-dev', quality: 'premium' }, defaultCatalog).request).toMatchObject({ model: 'flux-dev' });
    expect(buildRequest({ model: 'flux-dev', quality: 'premium' }, defaultCatalog).request).not.toHaveProperty('quality');
    const upscale = buildRequest({ operation: 'upscale-fast', model: 'flux-dev', quality: 'premium', sourceAssetId: 's' }, defaultCatalog, { sourceSize: { width: 512, height: 512 } });
    expect(upscale.request).not.toHaveProperty('model');
    expect(estimate(upscale.request, defaultCatalog).ok).toBe(true);
  });

  it('clamps a step count left by another model into the chosen model’s range', () => {
    const schnell = stepRange(listA, 'flux-schnell');
    const built = buildRequest({ model: 'flux-schnell', steps: 50 }, listA);
    expect(built.request.steps).toBe(schnell?.maximum);
  });

  it('keeps an outpaint expansion and an inpaint coverage only for their operations', () => {
    const outpaint = { left: 256, right: 0, top: 0, bottom: 0 };
    expect(buildRequest({ operation: 'outpaint', outpaint, sourceAssetId: 's' }, defaultCatalog, { sourceSize: { width: 1024, height: 1024 } }).request.outpaint).toEqual(outpaint);
    expect(buildRequest({ operation: 'text-to-image', outpaint }, defaultCatalog).request).not.toHaveProperty('outpaint');
    expect(buildRequest({ operation: 'inpaint', sourceAssetId: 's' }, defaultCatalog, { maskCoverage: 0.25, sourceSize: { width: 512, height: 512 } }).request.mask).toEqual({ coverage: 0.25 });
  });

  // The law behind "an operation switch never leaves the workspace unpriceable": whatever two
  // editors leave in the settings (stale steps, sources, both model and quality, any operation),
  // a request built with sizes the controls offer is priced.
  for (const catalog of [defaultCatalog, listA, listB]) {
    it(`whatever two editors leave in the settings, the request is priceable (${catalog.id})`, () => {
      const offered = operationsOffered(catalog);
      const modelIds = catalog.models.map((model) => model.id);
      fc.assert(
        fc.property(
          fc.record(
            {
              operation: fc.constantFrom(...offered, 'banana'),
              model: fc.constantFrom(...modelIds, 'no-such-model'),
              quality: fc.constantFrom(...qualityLevels, 'ultra'),
              steps: fc.integer({ min: -5, max: 200 }),
              variations: fc.integer({ min: 1, max: catalog.maximumVariations }),
              sourceAssetId: fc.constant('source'),
            },
            { requiredKeys: [] },
          ),
          fc.nat(),
          (edited, pick) => {
            // The expansion has its own controls on screen; an empty one is a visible, fixable fault.
            const settings = { ...edited, outpaint: { left: 128, right: 0, top: 0, bottom: 0 } };
            const built = buildRequest(settings, catalog, { maskCoverage: 0.3, sourceSize: { width: 1024, height: 1024 } });
            const operation = built.request.operation;
            const result = estimate(built.request, catalog);
            if (!result.ok) throw new Error(`${JSON.stringify(settings)} → ${JSON.stringify(built.request)}: ${JSON.stringify(result.errors)}`);
            // A size picked from the chosen model's presets prices too.
            if (operation === 'text-to-image') {
              const presets = sizePresets(catalog, result.modelId, operation);
              const preset = presets[pick % presets.length];
              if (preset !== undefined) expect(estimate(buildRequest({ ...settings, ...preset }, catalog).request, catalog).ok).toBe(true);
            }
            expect(modelsForOperation(catalog, operation).some((model) => model.id === result.modelId)).toBe(true);
            expect(qualityLevelsForOperation(catalog, operation)).toBeDefined();
          },
        ),
        { seed: 14, numRuns: 400 },
      );
    });
  }
});
