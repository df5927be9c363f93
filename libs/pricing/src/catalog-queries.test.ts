import { describe, expect, it } from 'vitest';
import {
  defaultSteps,
  formatCredits,
  modelForQuality,
  modelsForOperation,
  operationsOffered,
  qualityLevelsForOperation,
  sizePresets,
  sizeRules,
  stepRange,
} from './catalog-queries.js';
import { defaultCatalog, listA, listB } from './catalogs.js';

describe('catalog queries for the UI', () => {
  it('lists the operations a catalog offers', () => {
    expect(operationsOffered(listA)).toEqual(['text-to-image', 'inpaint', 'outpaint']);
    expect(operationsOffered(listB)).toHaveLength(11);
  });

  it('lists the models for an operation with their providers', () => {
    expect(modelsForOperation(defaultCatalog, 'upscale-creative')).toEqual([{ id: 'stability-upscale', name: 'Stability Upscale', provider: 'stability' }]);
    expect(modelsForOperation(listA, 'remove-background')).toEqual([]);
  });

  it('gives size rules, presets and steps of a model', () => {
    expect(sizeRules(listA, 'flux-dev', 'outpaint')).toEqual({ multipleOf: 32, minimumSide: 256, maximumSide: 2048, maximumMegapixels: 4.2 });
    expect(sizePresets(listA, 'flux-dev', 'text-to-image')).toContainEqual({ width: 1024, height: 1440 });
    expect(sizePresets(listA, 'nope', 'text-to-image')).toEqual([]);
    expect(stepRange(listA, 'flux-dev')).toEqual({ minimum: 20, maximum: 50, default: 25 });
    expect(defaultSteps(listA, 'flux-schnell')).toBe(4);
    expect(defaultSteps(listB, 'stability-ultra')).toBeUndefined();
  });

  it('says which model a quality level picks', () => {
    expect(qualityLevelsForOperation(listB, 'text-to-image')).toEqual(['draft', 'standard', 'premium']);
    expect(qualityLevelsForOperation(listB, 'inpaint')).toEqual([]);
    expect(modelForQuality(listB, 'premium', 'text-to-image')).toBe('stability-sd3.5-large');
  });

  it('formats a price in the catalog unit', () => {
    expect(formatCredits(75, listA)).toBe('75 tokens');
    expect(formatCredits(1, defaultCatalog)).toBe('1 credit');
    expect(formatCredits(0, listB)).toBe('0 credits');
  });
});
