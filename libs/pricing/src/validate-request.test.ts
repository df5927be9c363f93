import { describe, expect, it } from 'vitest';
import { defaultCatalog, listA } from './catalogs.js';
import { estimate } from './estimate.js';

// Through `estimate`, the only way callers reach validation: every error names the field as a
// dotted path and, where there is one, what would have been accepted.

const dev = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 1024 };

function errorsOf(request: unknown, catalog = listA) {
  const result = estimate(request, catalog);
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('request validation', () => {
  it('refuses what is not an object', () => {
    for (const junk of [null, undefined, 42, 'text-to-image', [dev]]) {
      expect(errorsOf(junk)).toMatchObject([{ field: 'request', code: 'invalid_type' }]);
    }
  });

  it('names the operations on offer', () => {
    expect(errorsOf({ ...dev, operation: 'teleport' })).toEqual([
      { field: 'operation', code: 'unknown_operation', message: 'Unknown operation "teleport"', allowed: ['text-to-image', 'inpaint', 'outpaint'] },
    ]);
    expect(errorsOf({ ...dev, operation: 'upscale-fast' })).toMatchObject([{ field: 'operation', code: 'unsupported_operation' }]);
    expect(errorsOf({ ...dev, operation: undefined })).toMatchObject([{ field: 'operation', code: 'required' }]);
  });

  it('names the models that offer the operation', () => {
    expect(errorsOf({ ...dev, model: 'dall-e' })).toEqual([
      {
        field: 'model',
        code: 'unknown_model',
        message: 'Unknown model "dall-e"',
        allowed: ['flux-schnell', 'flux-dev', 'flux-pro', 'flux-1.1-pro', 'flux-realism-lora'],
      },
    ]);
    const [lacking] = errorsOf({ operation: 'remove-background', model: 'flux-dev', width: 1024, height: 1024 }, defaultCatalog);
    expect(lacking).toEqual({
      field: 'model',
      code: 'unsupported_operation',
      message: 'Flux.1 [dev] does not offer remove background',
      allowed: ['stability-edit'],
    });
    expect(errorsOf({ ...dev, model: 7 })).toMatchObject([{ field: 'model', code: 'invalid_type' }]);
  });

  it('names the quality levels on offer', () => {
    expect(errorsOf({ ...dev, model: undefined, quality: 'ultra' })).toMatchObject([
      { field: 'quality', code: 'unknown_quality', allowed: ['draft', 'standard', 'premium'] },
    ]);
    expect(errorsOf({ operation: 'upscale-fast', quality: 'draft', width: 512, height: 512 }, defaultCatalog)).toMatchObject([
      { field: 'quality', code: 'unsupported_operation', allowed: [] },
    ]);
  });

  it('gives the size rule with every size error', () => {
    const rule = { min: 256, max: 1440, multipleOf: 32 };
    expect(errorsOf({ ...dev, width: 1000 })).toEqual([
      { field: 'width', code: 'not_multiple', message: 'width must be a multiple of 32 (nearest: 992 or 1024)', allowed: rule },
    ]);
    expect(errorsOf({ ...dev, height: 4096 })).toMatchObject([{ field: 'height', code: 'out_of_range', allowed: rule }]);
    expect(errorsOf({ ...dev, width: Number.NaN })).toMatchObject([{ field: 'width', code: 'not_finite', allowed: rule }]);
    expect(errorsOf({ ...dev, width: 512.5 })).toMatchObject([{ field: 'width', code: 'not_integer', allowed: rule }]);
    expect(errorsOf({ ...dev, width: '512' })).toMatchObject([{ field: 'width', code: 'invalid_type', allowed: rule }]);
    expect(errorsOf({ ...dev, width: undefined, height: null })).toMatchObject([
      { field: 'width', code: 'required' },
      { field: 'height', code: 'required' },
    ]);
  });

  it('reports every independent fault at once', () => {
    expect(errorsOf({ ...dev, width: 1000, steps: 0, variations: 99 }).map((error) => error.field)).toEqual(['variations', 'width', 'steps']);
  });

  it('checks steps against the model, and refuses them for a model without steps', () => {
    expect(errorsOf({ ...dev, steps: 51 })).toMatchObject([{ field: 'steps', code: 'out_of_range', allowed: { min: 20, max: 50 } }]);
    expect(errorsOf({ operation: 'text-to-image', model: 'stability-ultra', width: 1024, height: 1024, steps: 30 }, defaultCatalog)).toEqual([
      { field: 'steps', code: 'not_supported', message: 'Stable Image Ultra takes no step count' },
    ]);
  });

  it('needs a mask for inpaint and only for inpaint', () => {
    const inpaint = { ...dev, operation: 'inpaint' };
    expect(errorsOf(inpaint)).toMatchObject([{ field: 'mask', code: 'required', allowed: { min: 0, max: 1 } }]);
    expect(errorsOf({ ...inpaint, mask: { coverage: 1.5 } })).toMatchObject([{ field: 'mask.coverage', code: 'out_of_range' }]);
    expect(errorsOf({ ...inpaint, mask: 0.5 })).toMatchObject([{ field: 'mask', code: 'invalid_type' }]);
    expect(errorsOf({ ...dev, mask: { coverage: 0.5 } })).toMatchObject([{ field: 'mask', code: 'not_supported' }]);
  });

  it('needs an expansion for outpaint that fits the canvas', () => {
    const outpaint = { ...dev, operation: 'outpaint' };
    const canvas = { min: 256, max: 2048, multipleOf: 32, maxMegapixels: 4.2 };
    expect(errorsOf(outpaint)).toMatchObject([{ field: 'outpaint', code: 'required', allowed: canvas }]);
    expect(errorsOf({ ...outpaint, outpaint: {} })).toMatchObject([{ field: 'outpaint', code: 'required' }]);
    expect(errorsOf({ ...outpaint, outpaint: { left: 100 } })).toMatchObject([
      { field: 'outpaint.left', code: 'not_multiple', allowed: { min: 0, max: 2048, multipleOf: 32 } },
    ]);
    expect(errorsOf({ ...outpaint, outpaint: { top: -32 } })).toMatchObject([{ field: 'outpaint.top', code: 'out_of_range' }]);
    expect(errorsOf({ ...outpaint, outpaint: { left: 512, right: 544 } })).toMatchObject([{ field: 'outpaint', code: 'out_of_range', allowed: canvas }]);
    expect(errorsOf({ ...dev, outpaint: { left: 32 } })).toMatchObject([{ field: 'outpaint', code: 'not_supported' }]);
  });

  it('limits megapixels as well as sides', () => {
    const [error] = errorsOf({ operation: 'remove-background', width: 4096, height: 4096 }, defaultCatalog);
    expect(error).toEqual({
      field: 'width',
      code: 'too_many_megapixels',
      message: '4096×4096 = 16.78 MP is more than the 9.4 MP Stability Edit allows',
      allowed: { min: 64, max: 4096, multipleOf: 1, maxMegapixels: 9.4 },
    });
  });

  it('treats null in an optional field as absent', () => {
    expect(estimate({ ...dev, steps: null, variations: null, quality: null, mask: null, outpaint: null }, listA)).toMatchObject({ ok: true, credits: 50 });
  });
});
