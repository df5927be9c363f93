import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog, estimate, extendedCatalog, modelsForOperation, operations, sizePresets, type Operation } from '../src/index.js';
import { exhaustedUsage, offers, validRequest } from './arbitraries.js';
import { creditsOf } from './priced.js';

// The extended catalog: the default catalog as it is, plus models beyond both reference lists that
// real providers serve, on the same credit scale (about one credit per $0.001 of the provider's list price).

const defaultIds = new Set(defaultCatalog.models.map((model) => model.id));
const extraModels = extendedCatalog.models.filter((model) => !defaultIds.has(model.id));

describe('extended catalog', () => {
  it('holds every default model first, in the same order, then the extra models', () => {
    expect(extendedCatalog.models.slice(0, defaultCatalog.models.length).map((model) => model.id)).toEqual(defaultCatalog.models.map((model) => model.id));
    expect(extraModels.map((model) => model.id)).toEqual(expect.arrayContaining(['gpt-image-1', 'flux-2-pro', 'flux-2-flex', 'flux-kontext-pro', 'gemini-flash-image']));
    const ids = extendedCatalog.models.map((model) => model.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(extendedCatalog.defaultModels).toEqual(defaultCatalog.defaultModels);
    expect(extendedCatalog.qualityLevels).toEqual(defaultCatalog.qualityLevels);
  });

  it('prices every default model exactly as the default catalog does', () => {
    const usage = exhaustedUsage(defaultCatalog);
    fc.assert(
      fc.property(validRequest(defaultCatalog), (request) => creditsOf(request, extendedCatalog, usage) === creditsOf(request, defaultCatalog, usage)),
      { numRuns: 500 },
    );
  });

  it('prices gpt-image-1 at medium quality: 42 for a square, 63 for 1536×1024; edits 45 / 66', () => {
    const create = (width: number, height: number) => creditsOf({ operation: 'text-to-image', model: 'gpt-image-1', width, height }, extendedCatalog);
    expect(create(1024, 1024)).toBe(42);
    expect(create(1536, 1024)).toBe(63);
    expect(create(1024, 1536)).toBe(63);
    expect(sizePresets(extendedCatalog, 'gpt-image-1', 'text-to-image')).toEqual([
      { width: 1024, height: 1024 },
      { width: 1536, height: 1024 },
      { width: 1024, height: 1536 },
    ]);
    const edit = (operation: Operation, width: number, height: number) =>
      creditsOf({ operation, model: 'gpt-image-1', width, height, ...(operation === 'inpaint' ? { mask: { coverage: 0.3 } } : {}) }, extendedCatalog);
    for (const operation of ['inpaint', 'general-edit', 'remove-background'] as const) {
      expect(edit(operation, 800, 600), operation).toBe(45);
      expect(edit(operation, 1920, 1080), operation).toBe(66);
    }
  });

  it('prices FLUX.2 [pro] at 30 for the first megapixel and 15 for each more, [flex] at 50 a megapixel, edits counting the source; Kontext 40', () => {
    const create = (model: string, width: number, height: number) => creditsOf({ operation: 'text-to-image', model, width, height }, extendedCatalog);
    const edit = (model: string, width: number, height: number) => creditsOf({ operation: 'general-edit', model, width, height }, extendedCatalog);
    expect([create('flux-2-pro', 1024, 1024), create('flux-2-pro', 1440, 1440), create('flux-2-pro', 2048, 1152), create('flux-2-pro', 2048, 2048)]).toEqual([30, 45, 60, 75]);
    expect([create('flux-2-flex', 1024, 1024), create('flux-2-flex', 1440, 1440), create('flux-2-flex', 2048, 2048)]).toEqual([50, 100, 200]);
    expect([edit('flux-2-pro', 1024, 1024), edit('flux-2-pro', 1920, 1080), edit('flux-2-pro', 4000, 2000)]).toEqual([45, 75, 225]);
    expect([edit('flux-2-flex', 1024, 1024), edit('flux-2-flex', 1920, 1080)]).toEqual([100, 200]);
    expect([edit('flux-kontext-pro', 640, 480), edit('flux-kontext-pro', 4000, 2000)]).toEqual([40, 40]);
  });

  it("prices Gemini's image model at Google's $0.039 an image: 39, and 40 for an edit", () => {
    expect(creditsOf({ operation: 'text-to-image', model: 'gemini-flash-image', width: 1344, height: 768 }, extendedCatalog)).toBe(39);
    expect(creditsOf({ operation: 'general-edit', model: 'gemini-flash-image', width: 3000, height: 2000 }, extendedCatalog)).toBe(40);
    expect(sizePresets(extendedCatalog, 'gemini-flash-image', 'text-to-image')).toHaveLength(10);
  });

  it('refuses a size gpt-image-1 does not make, naming the field', () => {
    const result = estimate({ operation: 'text-to-image', model: 'gpt-image-1', width: 1536, height: 1536 }, extendedCatalog);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.field).toMatch(/width|height|size/);
  });

  it('charges every paid image a whole number of credits, at least 1, never less for a larger size', () => {
    const usage = exhaustedUsage(extendedCatalog);
    fc.assert(
      fc.property(validRequest(extendedCatalog), (request) => {
        const credits = creditsOf(request, extendedCatalog, usage);
        return Number.isInteger(credits) && credits >= 1;
      }),
      { numRuns: 500 },
    );
    for (const model of extraModels) {
      for (const operation of Object.keys(model.operations) as Operation[]) {
        const at = (width: number, height: number) => estimate({ operation, model: model.id, width, height, ...(operation === 'inpaint' ? { mask: { coverage: 0.2 } } : {}) }, extendedCatalog);
        const small = at(1024, 1024);
        const large = at(1536, 1024);
        if (small.ok && large.ok) expect(large.credits, `${model.id} ${operation}`).toBeGreaterThanOrEqual(small.credits);
      }
    }
  });

  it('offers every operation and points defaults at models that offer them', () => {
    expect(offers(extendedCatalog).length).toBeGreaterThan(offers(defaultCatalog).length);
    for (const operation of operations) {
      const model = extendedCatalog.defaultModels[operation];
      expect(modelsForOperation(extendedCatalog, operation).map((offer) => offer.id)).toContain(model);
    }
  });

  it('names the providers of both lists and the real providers beyond them', () => {
    const providers = new Set(extendedCatalog.models.map((model) => model.provider));
    expect([...providers].sort()).toEqual(expect.arrayContaining(['black-forest-labs', 'google', 'huggingface', 'openai', 'stability', 'wavespeed']));
  });
});
