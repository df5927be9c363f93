import { describe, expect, it } from 'vitest';
import { defaultCatalog, listA, listB } from './catalogs.js';
import { estimate } from './estimate.js';
import { parseCatalog } from './parse-catalog.js';
import listAData from './catalogs/list-a.json' with { type: 'json' };

const dev = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 1024 } as const;

describe('estimate', () => {
  it('records the catalog, the model and its provider', () => {
    expect(estimate(dev, defaultCatalog)).toMatchObject({
      ok: true,
      credits: 50,
      catalogId: 'default',
      catalogVersion: 2,
      operation: 'text-to-image',
      modelId: 'flux-dev',
      provider: 'black-forest-labs',
      steps: 25,
    });
  });

  it('lets a quality level pick the model, and falls back to the default model', () => {
    expect(estimate({ ...dev, model: undefined, quality: 'premium' }, listA)).toMatchObject({ ok: true, modelId: 'flux-pro', credits: 100 });
    expect(estimate({ ...dev, model: null }, listA)).toMatchObject({ ok: true, modelId: 'flux-dev' });
    expect(estimate({ operation: 'remove-background', width: 800, height: 600 }, defaultCatalog)).toMatchObject({ ok: true, modelId: 'stability-edit', credits: 20 });
  });

  it('refuses a model and a quality level together', () => {
    expect(estimate({ ...dev, quality: 'draft' }, listA)).toEqual({
      ok: false,
      errors: [{ field: 'quality', code: 'conflicting_fields', message: 'Give a model or a quality level, not both' }],
    });
  });

  it('charges n variations n × the rounded price of one, in one line item', () => {
    const result = estimate({ ...dev, width: 1024, height: 1440, steps: 28, variations: 3 }, listA);
    expect(result).toMatchObject({
      ok: true,
      credits: 234,
      lineItems: [
        {
          description: 'Flux.1 [dev] text-to-image, 1024×1440 = 1.47 MP × 28 steps × 1.9 tokens per MP·step = 78 tokens each × 3 images = 234 tokens',
          quantity: 3,
          unitCredits: 78,
          credits: 234,
        },
      ],
    });
  });

  it('prices images a free allowance still covers at 0 and says so', () => {
    const flux = { operation: 'text-to-image', model: 'huggingface-flux-dev', width: 1024, height: 1024, variations: 3 };
    const result = estimate(flux, defaultCatalog, { freeUnitsUsed: { 'huggingface-flux': 48 } });
    expect(result).toEqual({
      ok: true,
      credits: 20,
      lineItems: [
        {
          description: 'FLUX.1 [dev] on Hugging Face text-to-image, 1024×1024: 2 images on the free tier (48 of 50 free per month used before this) = 0 credits',
          quantity: 2,
          unitCredits: 0,
          credits: 0,
        },
        {
          description: 'FLUX.1 [dev] on Hugging Face text-to-image, 1024×1024 = 1.05 MP (over 1 MP): 20 credits (free tier of 50 per month used up)',
          quantity: 1,
          unitCredits: 20,
          credits: 20,
        },
      ],
      catalogId: 'default',
      catalogVersion: 2,
      operation: 'text-to-image',
      modelId: 'huggingface-flux-dev',
      provider: 'huggingface',
      steps: undefined,
      freeUnits: { allowanceId: 'huggingface-flux', period: 'month', units: 2 },
    });
  });

  it('counts an absent usage as nothing spent', () => {
    expect(estimate({ operation: 'text-to-image', model: 'imagen-4', width: 1024, height: 1024 }, listB)).toMatchObject({ ok: true, credits: 0 });
  });

  it('rejects usage that is not a count of units', () => {
    const imagen = { operation: 'text-to-image', model: 'imagen-4', width: 1024, height: 1024 };
    expect(estimate(imagen, listB, 'lots')).toMatchObject({ ok: false, errors: [{ field: 'usage', code: 'invalid_type' }] });
    expect(estimate(imagen, listB, { freeUnitsUsed: { 'gemini-imagen': -1 } })).toMatchObject({
      ok: false,
      errors: [{ field: 'usage.freeUnitsUsed.gemini-imagen', code: 'out_of_range', allowed: { min: 0 } }],
    });
    // Checked for its shape even when the model has no allowance.
    expect(estimate(dev, listA, [])).toMatchObject({ ok: false, errors: [{ field: 'usage' }] });
  });

  it('raises a price below the minimum to the minimum and says so', () => {
    const data = structuredClone(listAData);
    data.minimumCredits = 5;
    const parsed = parseCatalog(data);
    if (!parsed.ok) throw new Error('catalog');
    const result = estimate({ operation: 'text-to-image', model: 'flux-schnell', width: 256, height: 256, steps: 1 }, parsed.catalog);
    expect(result).toMatchObject({ ok: true, credits: 5 });
    expect(result.ok && result.lineItems[0]?.description).toBe(
      'Flux.1 [schnell] text-to-image, 256×256 = 0.07 MP × 1 step × 9.1 tokens per MP·step = 0.60, raised to the minimum of 5 tokens',
    );
  });

  it('reports a catalog fault instead of pricing with it', () => {
    const broken = structuredClone(listAData) as unknown as { models: { size: { maximumSide: unknown } }[] };
    broken.models[1]!.size.maximumSide = 'big';
    expect(estimate(dev, broken as never)).toEqual({
      ok: false,
      errors: [{ field: 'catalog', code: 'invalid_catalog', message: 'The price catalog is invalid at models.1.size.maximumSide: must be a whole number from 1 to 16384' }],
    });
  });

  it('prices with catalog data that was never parsed, checking it once', () => {
    expect(estimate(dev, structuredClone(listAData) as never)).toMatchObject({ ok: true, credits: 50 });
  });

  it('survives input that throws when read', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('boom');
        },
      },
    );
    expect(estimate(hostile, listA)).toMatchObject({ ok: false, errors: [{ field: 'operation', code: 'unreadable' }] });
    const getter = { ...dev, get mask() {
      throw new Error('boom');
    } };
    expect(estimate(getter, listA)).toMatchObject({ ok: false, errors: [{ field: 'mask', code: 'unreadable' }] });
    expect(estimate(dev, listA, hostile)).toMatchObject({ ok: false, errors: [{ field: 'usage.freeUnitsUsed', code: 'unreadable' }] });
  });
});
