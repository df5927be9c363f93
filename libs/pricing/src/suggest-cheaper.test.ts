import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validRequest } from '../test/arbitraries.js';
import { defaultCatalog, listA, listB } from './catalogs.js';
import { estimate } from './estimate.js';
import { suggestCheaper } from './suggest-cheaper.js';

const dev = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 1024 };

describe('suggestCheaper', () => {
  it('hands a request that fits back unchanged', () => {
    expect(suggestCheaper(dev, 50, listA)).toMatchObject({ ok: true, changes: [], hint: 'Fits 50 tokens as it is', estimate: { credits: 50 } });
  });

  it('cuts size and steps together before changing the model', () => {
    const suggestion = suggestCheaper(dev, 30, listA);
    expect(suggestion).toMatchObject({
      ok: true,
      request: { operation: 'text-to-image', model: 'flux-dev', width: 832, height: 832, steps: 23, variations: 1 },
      estimate: { credits: 30 },
      changes: [
        { field: 'width', from: 1024, to: 832 },
        { field: 'height', from: 1024, to: 832 },
        { field: 'steps', from: 25, to: 23 },
      ],
      hint: 'To fit 30 tokens: 832×832 instead of 1024×1024, 23 steps instead of 25 (30 tokens)',
    });
  });

  it('moves to a cheaper model when its own settings cannot reach the budget', () => {
    expect(suggestCheaper({ ...dev, model: 'stability-ultra' }, 5, listB)).toMatchObject({
      ok: true,
      request: { model: 'stability-sd3.5-large-turbo' },
      changes: [{ field: 'model', from: 'stability-ultra', to: 'stability-sd3.5-large-turbo' }],
      hint: 'To fit 5 credits: Stable Diffusion 3.5 Large Turbo instead of Stable Image Ultra (4 credits)',
    });
  });

  it('finds a free tier when the budget is zero', () => {
    expect(suggestCheaper({ ...dev, model: 'stability-ultra' }, 0, defaultCatalog)).toMatchObject({
      ok: true,
      request: { model: 'huggingface-flux-dev' },
      estimate: { credits: 0 },
    });
  });

  it('keeps the source image of an edit, dropping images only when nothing else fits', () => {
    const removal = { operation: 'remove-background', width: 1024, height: 1024, variations: 3 };
    expect(suggestCheaper(removal, 6, listB)).toMatchObject({
      ok: true,
      request: { width: 1024, height: 1024, variations: 2 },
      changes: [{ field: 'variations', from: 3, to: 2 }],
      hint: 'To fit 6 credits: 2 images instead of 3 (6 credits)',
    });
    expect(suggestCheaper({ ...removal, variations: 1 }, 2, listB)).toEqual({
      ok: false,
      errors: [{ field: 'maxCredits', code: 'no_cheaper_settings', message: 'No settings for this remove background fit 2 credits' }],
    });
  });

  it('shrinks an outpaint expansion, not the source', () => {
    const outpaint = { ...dev, operation: 'outpaint', outpaint: { right: 1024 } };
    const suggestion = suggestCheaper(outpaint, 70, listA);
    expect(suggestion).toMatchObject({ ok: true, request: { width: 1024, height: 1024 } });
    expect(suggestion.ok && suggestion.hint).toContain('right expansion 768 px instead of 1024');
  });

  it('passes on the errors of an invalid request or budget', () => {
    expect(suggestCheaper({ ...dev, width: 1000 }, 10, listA)).toMatchObject({ ok: false, errors: [{ field: 'width' }] });
    expect(suggestCheaper(dev, -1, listA)).toMatchObject({ ok: false, errors: [{ field: 'maxCredits', code: 'out_of_range' }] });
    expect(suggestCheaper(dev, Number.NaN, listA)).toMatchObject({ ok: false, errors: [{ field: 'maxCredits', code: 'not_finite' }] });
  });

  it('always suggests settings that are valid, fit the budget and price as estimate prices them', () => {
    for (const catalog of [listA, listB, defaultCatalog]) {
      fc.assert(
        fc.property(validRequest(catalog), fc.integer({ min: 0, max: 400 }), (request, budget) => {
          const suggestion = suggestCheaper(request, budget, catalog);
          if (!suggestion.ok) return suggestion.errors.every((error) => error.code === 'no_cheaper_settings');
          expect(suggestion.estimate.credits).toBeLessThanOrEqual(budget);
          expect(estimate(suggestion.request, catalog)).toEqual(suggestion.estimate);
          expect(suggestion.request.operation).toBe(request.operation);
          return true;
        }),
        { numRuns: 150 },
      );
    }
  });
});
