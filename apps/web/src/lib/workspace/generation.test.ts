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

  test('over my budget: blocked with the figures and the reset, and a cheaper setting that fits', () => {
    const result = assess({ settings, prompt: 'a fox' }, { ...roomy, budgetRemaining: 20, budgetResetsAt: '2030-01-01T00:00:00.000Z' }, defaultCatalog);
    expect(result.blockers.map((blocker) => blocker.code)).toEqual(['budget_exceeded']);
    expect(result.blockers[0]?.message).toMatch(/^Your budget has 20 credits left; this needs 50\. It resets .*Ask a manager to raise it/);
    expect(result.suggestion?.estimate.credits).toBeLessThanOrEqual(20);
    const applied = { ...settings, ...settingsFromSuggestion(result.suggestion!.request) };
    const priced = estimate(requestOf({ settings: applied, prompt: 'a fox' }), defaultCatalog);
    expect(priced.ok && priced.credits).toBe(result.suggestion?.estimate.credits);
  });

  test('the pool, the project and the allowed models each block with their reason', () => {
    const result = assess(
      { settings, prompt: 'a fox' },
      { ...roomy, poolAvailable: 10, projectRemaining: 5, allowedModels: ['flux-schnell'] },
      defaultCatalog,
    );
    expect(result.blockers.map((blocker) => blocker.code)).toEqual(['model_not_allowed', 'insufficient_credits', 'project_budget_exceeded']);
    expect(result.blockers[0]?.message).toContain('Pick one of: flux-schnell');
  });

  test('an empty prompt, a missing source image and an empty mask say what to do', () => {
    const inpaint = { operation: 'inpaint', model: 'flux-dev', width: 1024, height: 1024 };
    expect(assess({ settings: inpaint, prompt: ' ', maskCoverage: 0 }, roomy, defaultCatalog).blockers.map((blocker) => blocker.message)).toEqual([
      'Write a prompt first.',
      'Choose a source image from the gallery.',
      'Paint the area to change on the mask.',
    ]);
  });

  test('viewers cannot generate', () => {
    expect(assess({ settings, prompt: 'a fox' }, { ...roomy, canGenerate: false }, defaultCatalog).blockers[0]?.code).toBe('forbidden');
  });

  test('the request carries the fields the server reads from the document, a model winning over a quality level', () => {
    expect(requestOf({ settings: { operation: 'outpaint', quality: 'draft', model: 'flux-pro', width: 512, height: 512, outpaint: { left: 64, right: 0, top: 0, bottom: 0 }, seed: 4 }, prompt: '' })).toEqual({
      operation: 'outpaint',
      model: 'flux-pro',
      width: 512,
      height: 512,
      outpaint: { left: 64, right: 0, top: 0, bottom: 0 },
    });
    expect(requestOf({ settings: { operation: 'inpaint', quality: 'draft' }, prompt: '', maskCoverage: 0.25 })).toEqual({
      operation: 'inpaint',
      quality: 'draft',
      mask: { coverage: 0.25 },
    });
  });
});
