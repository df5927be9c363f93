import { describe, expect, it } from 'vitest';
import { defaultCatalog } from './catalogs.js';
import { estimate } from './estimate.js';
import { judge, refusalStatus, type SpendingLimits } from './judge.js';

const credits = { poolAvailableCredits: 10_000, deficitCredits: 0, member: { remainingCredits: null, resetsAt: null }, project: null };
const roomy: SpendingLimits = { allowedModels: null, credits };
const empty: SpendingLimits = { allowedModels: null, credits: { ...credits, poolAvailableCredits: 0 } };
const fox = { prompt: 'a fox', hasSource: false };
const freeFlux = { operation: 'text-to-image', model: 'huggingface-flux-dev', width: 1024, height: 1024, variations: 1 };

describe('judge', () => {
  it('allows a job wholly covered by a free allowance on an empty pool, at 0 credits', () => {
    const verdict = judge(freeFlux, fox, defaultCatalog, {}, empty);
    expect(verdict.allowed).toBe(true);
    expect(verdict.estimate.ok && verdict.estimate.credits).toBe(0);
  });

  it('charges once the free allowance is used up, and says the pool cannot pay', () => {
    const priced = estimate(freeFlux, defaultCatalog);
    const allowanceId = priced.ok ? priced.freeUnits?.allowanceId : undefined;
    expect(allowanceId).toBeDefined();
    const verdict = judge(freeFlux, fox, defaultCatalog, { freeUnitsUsed: { [allowanceId ?? '']: 1_000 } }, empty);
    expect(verdict.estimate.ok && verdict.estimate.credits).toBeGreaterThan(0);
    expect(verdict.refusals.map((refusal) => refusal.code)).toEqual(['insufficient_credits']);
  });

  it('lists every binding limit in the order a hold checks them, each with its figures', () => {
    const request = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 1024 };
    const verdict = judge(request, fox, defaultCatalog, {}, {
      allowedModels: ['flux-schnell'],
      credits: {
        poolAvailableCredits: 10,
        deficitCredits: 5,
        member: { remainingCredits: 20, resetsAt: '2030-01-01T00:00:00.000Z' },
        project: { remainingCredits: 30, resetsAt: null },
      },
    });
    expect(verdict.refusals.map((refusal) => refusal.code)).toEqual(['model_not_allowed', 'deficit_outstanding', 'insufficient_credits', 'budget_exceeded', 'project_budget_exceeded']);
    expect(verdict.refusals[0]?.message).toContain('Flux.1 [schnell]');
    expect(verdict.refusals.find((refusal) => refusal.code === 'budget_exceeded')?.message).toContain('it resets 2030-01-01 00:00 UTC');
    expect(verdict.refusals.map((refusal) => refusalStatus(refusal.code))).toEqual([403, 402, 402, 402, 402]);
  });

  it('asks for the inputs each operation needs: a prompt, what to search for, a source, a mask', () => {
    const replace = { operation: 'search-and-replace', width: 1024, height: 1024 };
    expect(judge(replace, { prompt: '', hasSource: false }, defaultCatalog, {}, roomy).refusals.map((refusal) => refusal.field)).toEqual(['prompt', 'searchPrompt', 'sourceAssetId']);
    const upscale = { operation: 'upscale-fast', width: 1024, height: 1024 };
    expect(judge(upscale, { prompt: '', hasSource: true }, defaultCatalog, {}, roomy).allowed).toBe(true);
    const inpaint = { operation: 'inpaint', width: 1024, height: 1024, mask: { coverage: 0 } };
    expect(judge(inpaint, { prompt: 'a hat', hasSource: true, maskCoverage: 0 }, defaultCatalog, {}, roomy).refusals.map((refusal) => refusal.field)).toEqual(['maskStrokes']);
  });

  it('refuses a model no provider of this server runs, with 409', () => {
    const request = { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512 };
    const verdict = judge(request, fox, defaultCatalog, {}, { ...roomy, isAvailable: (model) => model !== 'flux-dev' });
    expect(verdict.refusals.map((refusal) => [refusal.code, refusal.field, refusalStatus(refusal.code)])).toEqual([['model_unavailable', 'request.model', 409]]);
    expect(verdict.refusals[0]?.message).toContain('Flux.1 [dev] is not available on this server');
  });

  it('applies the tier: models, images per job and jobs at once', () => {
    const request = { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, variations: 3 };
    const tier = { name: 'Free', allowedModels: ['flux-schnell'], maxImagesPerJob: 2, maxConcurrentJobs: 1, activeJobs: 1 };
    const verdict = judge(request, fox, defaultCatalog, {}, { ...roomy, tier });
    expect(verdict.refusals.map((refusal) => [refusal.code, refusal.field])).toEqual([
      ['tier_limit', 'request.model'],
      ['tier_limit', 'request.variations'],
      ['tier_limit', undefined],
    ]);
  });

  it('names the request field of a price it cannot make', () => {
    const verdict = judge({ operation: 'text-to-image', width: 1000, height: 1024 }, fox, defaultCatalog, {}, roomy);
    expect(verdict.allowed).toBe(false);
    expect(verdict.refusals[0]).toMatchObject({ code: 'invalid_request', field: 'request.width' });
  });
});
