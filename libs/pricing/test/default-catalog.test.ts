import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCatalog, listA, listB, modelsForOperation, operations, operationsOffered, type Operation } from '../src/index.js';
import { exhaustedUsage, validRequest } from './arbitraries.js';
import { creditsOf } from './priced.js';

// The default catalog: List A's tokens as they are, List B's credits × 10, ranges resolved by
// output size, every paid price a whole number ≥ 1.

const listAModels = new Set(listA.models.map((model) => model.id));
const listBModels = new Set(listB.models.map((model) => model.id));

describe('default catalog', () => {
  it('offers every operation of both lists', () => {
    expect(operationsOffered(defaultCatalog)).toEqual([...operations]);
  });

  it('holds every model of both lists, under the same ids', () => {
    const ids = defaultCatalog.models.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining([...listAModels, ...listBModels]));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('prices List A models exactly as List A does', () => {
    fc.assert(
      fc.property(
        validRequest(listA),
        (request) => creditsOf(request, defaultCatalog) === creditsOf(request, listA),
      ),
      { numRuns: 500 },
    );
  });

  it('prices List B models at 10 × List B', () => {
    const usage = exhaustedUsage(listB);
    fc.assert(
      fc.property(validRequest(listB), (request) => creditsOf(request, defaultCatalog, usage) === 10 * creditsOf(request, listB, usage)),
      { numRuns: 500 },
    );
  });

  it('puts Stability Ultra at 80 and Core at 30', () => {
    const request = (model: string) => ({ operation: 'text-to-image', model, width: 1024, height: 1024 });
    expect(creditsOf(request('stability-ultra'), defaultCatalog)).toBe(80);
    expect(creditsOf(request('stability-core'), defaultCatalog)).toBe(30);
  });

  it('resolves a range by output size: the lower end up to 1 MP, the upper end above', () => {
    const ideogram = (width: number, height: number) => creditsOf({ operation: 'text-to-image', model: 'ideogram-v3', width, height }, defaultCatalog);
    expect(ideogram(992, 992)).toBe(50);
    expect(ideogram(1008, 992)).toBe(50); // 999,936 px
    expect(ideogram(1024, 1024)).toBe(60);
    const outpaint = (right: number) =>
      creditsOf({ operation: 'outpaint', model: 'stability-edit', width: 900, height: 1000, outpaint: { right } }, defaultCatalog);
    expect(outpaint(100)).toBe(40);
    expect(outpaint(101)).toBe(50);
  });

  it('names a provider for every model, among the providers of both lists', () => {
    const providers = new Set(defaultCatalog.models.map((model) => model.provider));
    expect([...providers].sort()).toEqual(['black-forest-labs', 'google', 'huggingface', 'stability', 'wavespeed']);
  });

  it('points every default and quality level at a model that offers the operation', () => {
    const picks: [string, Operation, string][] = [
      ...Object.entries(defaultCatalog.defaultModels).map(([operation, model]): [string, Operation, string] => ['default', operation as Operation, model]),
      ...Object.entries(defaultCatalog.qualityLevels).flatMap(([level, byOperation]) =>
        Object.entries(byOperation).map(([operation, model]): [string, Operation, string] => [level, operation as Operation, model]),
      ),
    ];
    for (const operation of operations) expect(defaultCatalog.defaultModels[operation], operation).toBeDefined();
    for (const [, operation, model] of picks) {
      expect(modelsForOperation(defaultCatalog, operation).map((offer) => offer.id), `${model} for ${operation}`).toContain(model);
    }
  });

  it('charges every paid image a whole number of credits, at least 1', () => {
    const usage = exhaustedUsage(defaultCatalog);
    fc.assert(
      fc.property(validRequest(defaultCatalog), (request) => {
        const credits = creditsOf({ ...request, variations: 1 }, defaultCatalog, usage);
        return Number.isInteger(credits) && credits >= 1;
      }),
      { numRuns: 1000 },
    );
  });

});
