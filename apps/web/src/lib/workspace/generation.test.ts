import { defaultCatalog, estimate } from '@atelier/pricing';
import { describe, expect, test } from 'vitest';
import { assess, requestOf, settingsFromSuggestion, type Limits } from './generation.js';

const roomy: Limits = { poolAvailable: 10_000, budgetRemaining: 500, projectRemaining: null, allowedModels: null, canGenerate: true };
const settings = { operation: 'text-to-image', model: 'flux-dev', width: 1024, height: 1024, steps: 25 };

describe('assessing a generation', () => {
  test('nothing blocks a priced request within every limit', () => {
    const result = assess({ settings, prompt: 'a fox' }, roomy, defaultCatalog);
    expect(result.estimate.ok && result.estimate.credits).toBe(50);
    expect(result.blockers).toEqual([]);
    expect(result.suggestion).toBeUndefined();
  });

  test('a brand-new workspace is priced at once', () => {
    const result = assess({ settings: {}, prompt: 'a fox' }, roomy, defaultCatalog);
    expect(result.estimate.ok).toBe(true);
    expect(result.blockers).toEqual([]);
  });

  test('over my budget: blocked with the figures and the reset, and a cheaper setting that fits', () => {
    const result = assess({ settings, prompt: 'a fox' }, { ...roomy, budgetRemaining: 20, budgetResetsAt: '2030-01-01T00:00:00.000Z' }, defaultCatalog);
    expect(result.blockers.map((blocker) => blocker.code)).toEqual(['budget_exceeded']);
    expect(result.blockers[0]?.message).toMatch(/^This costs 50 credits and your budget has 20 credits left \(it resets 2030-01-01 00:00 UTC\)\..*ask a manager to raise the limit/);
    expect(result.suggestion?.estimate.credits).toBeLessThanOrEqual(20);
    const applied = { ...settings, ...settingsFromSuggestion(result.suggestion!.request) };
    const priced = estimate(requestOf({ settings: applied, prompt: 'a fox' }, defaultCatalog), defaultCatalog);
    expect(priced.ok && priced.credits).toBe(result.suggestion?.estimate.credits);
  });

  test('the pool, the project and the allowed models each block with their reason, naming models by name', () => {
    const result = assess({ settings, prompt: 'a fox' }, { ...roomy, poolAvailable: 10, projectRemaining: 5, allowedModels: ['flux-schnell'] }, defaultCatalog);
    expect(result.blockers.map((blocker) => blocker.code)).toEqual(['model_not_allowed', 'insufficient_credits', 'project_budget_exceeded']);
    expect(result.blockers[0]?.message).toContain('Pick one of: Flux.1 [schnell]');
  });

  test('an empty prompt, a missing source image and an empty mask say what to do, with the field the server names', () => {
    const inpaint = { operation: 'inpaint', model: 'flux-dev' };
    expect(assess({ settings: inpaint, prompt: ' ', maskCoverage: 0 }, roomy, defaultCatalog).blockers.map((blocker) => blocker.field)).toContain('prompt');
    const withSource = { ...inpaint, sourceAssetId: 'a', width: 1024, height: 1024 };
    expect(assess({ settings: withSource, prompt: ' ', maskCoverage: 0 }, roomy, defaultCatalog).blockers.map((blocker) => blocker.field)).toEqual(['prompt', 'maskStrokes']);
  });

  test('an upscale needs no prompt; search & replace asks what to search for', () => {
    const upscale = { operation: 'upscale-fast', sourceAssetId: 'a', width: 1024, height: 1024, steps: 40 };
    expect(assess({ settings: upscale, prompt: '' }, roomy, defaultCatalog).blockers).toEqual([]);
    const replace = { operation: 'search-and-replace', sourceAssetId: 'a', width: 1024, height: 1024 };
    expect(assess({ settings: replace, prompt: 'a cat' }, roomy, defaultCatalog).blockers.map((blocker) => blocker.field)).toEqual(['searchPrompt']);
    expect(assess({ settings: { ...replace, searchPrompt: 'the dog' }, prompt: 'a cat' }, roomy, defaultCatalog).blockers).toEqual([]);
  });

  test('a free model on an empty pool costs 0 and is allowed; once the free tier is used up it is priced', () => {
    const free = { operation: 'text-to-image', model: 'huggingface-flux-dev', width: 1024, height: 1024 };
    const empty = { ...roomy, poolAvailable: 0 };
    const first = assess({ settings: free, prompt: 'a fox' }, empty, defaultCatalog);
    expect(first.estimate.ok && first.estimate.credits).toBe(0);
    expect(first.blockers).toEqual([]);
    const allowance = first.estimate.ok ? first.estimate.freeUnits?.allowanceId ?? '' : '';
    const usedUp = assess({ settings: free, prompt: 'a fox' }, { ...empty, usage: { freeUnitsUsed: { [allowance]: 1_000 } } }, defaultCatalog);
    expect(usedUp.estimate.ok && usedUp.estimate.credits).toBeGreaterThan(0);
    expect(usedUp.blockers.map((blocker) => blocker.code)).toEqual(['insufficient_credits']);
  });

  test('viewers cannot generate', () => {
    expect(assess({ settings, prompt: 'a fox' }, { ...roomy, canGenerate: false }, defaultCatalog).blockers[0]?.code).toBe('forbidden');
  });

  test('the request is the one the server builds from the document: a model winning over a quality level, the source size, defaults', () => {
    const outpaint = { operation: 'outpaint', quality: 'draft', model: 'flux-pro', width: 768, height: 768, outpaint: { left: 64, right: 0, top: 0, bottom: 0 }, seed: 4, sourceAssetId: 's' };
    expect(requestOf({ settings: outpaint, prompt: '', sourceSize: { width: 512, height: 512 } }, defaultCatalog)).toEqual({
      operation: 'outpaint',
      model: 'flux-pro',
      width: 512,
      height: 512,
      steps: 25,
      variations: 1,
      outpaint: { left: 64, right: 0, top: 0, bottom: 0 },
    });
    expect(requestOf({ settings: { operation: 'inpaint', quality: 'draft', sourceAssetId: 's', width: 512, height: 512 }, prompt: '', maskCoverage: 0.25 }, defaultCatalog)).toMatchObject({
      operation: 'inpaint',
      quality: 'draft',
      mask: { coverage: 0.25 },
    });
  });
});
