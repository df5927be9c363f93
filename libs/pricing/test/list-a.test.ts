import { describe, expect, it } from 'vitest';
import { estimate, formatCredits, listA, modelsForOperation, sizePresets, stepRange } from '../src/index.js';
import { creditsOf, priced } from './priced.js';

// The figures List A states (pricing-reference.md), each against List A's own catalog.

const textToImage = (model: string, width: number, height: number, steps?: number) => ({
  operation: 'text-to-image',
  model,
  width,
  height,
  ...(steps === undefined ? {} : { steps }),
});

describe('List A worked figures', () => {
  it('[schnell], 512×512, 4 steps: 10 tokens', () => {
    expect(creditsOf(textToImage('flux-schnell', 512, 512, 4), listA)).toBe(10);
  });

  it('[dev], 1024×1024: 50 tokens', () => {
    expect(creditsOf(textToImage('flux-dev', 1024, 1024), listA)).toBe(50);
  });

  it('[pro], 1024×1024: 100 tokens', () => {
    expect(creditsOf(textToImage('flux-pro', 1024, 1024), listA)).toBe(100);
  });

  it('a price display reads "Generate — Cost: 75 tokens"', () => {
    const estimate = priced(textToImage('flux-schnell', 1440, 1440, 4), listA);
    expect(`Generate — Cost: ${formatCredits(estimate.credits, listA)}`).toBe('Generate — Cost: 75 tokens');
  });
});

describe('List A: what the price depends on', () => {
  it('512×512 costs about 25% of 1024×1024', () => {
    for (const { id } of modelsForOperation(listA, 'text-to-image')) {
      const small = creditsOf(textToImage(id, 512, 512), listA);
      const large = creditsOf(textToImage(id, 1024, 1024), listA);
      expect(Math.abs(small - large / 4)).toBeLessThanOrEqual(1);
    }
  });

  it('25 steps cost about 50% of 50 steps', () => {
    for (const id of ['flux-dev', 'flux-pro', 'flux-1.1-pro', 'flux-realism-lora']) {
      const half = creditsOf(textToImage(id, 1024, 1024, 25), listA);
      const full = creditsOf(textToImage(id, 1024, 1024, 50), listA);
      expect(Math.abs(half - full / 2)).toBeLessThanOrEqual(1);
    }
  });

  it('[schnell] runs at 4 steps', () => {
    expect(stepRange(listA, 'flux-schnell')).toEqual({ minimum: 1, maximum: 4, default: 4 });
    const result = estimate(textToImage('flux-schnell', 512, 512, 20), listA);
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'steps', code: 'out_of_range', allowed: { min: 1, max: 4 } }] });
  });

  it('takes the typical step ranges 20–25, 30–35 and 40–50', () => {
    for (const steps of [20, 25, 30, 35, 40, 50]) expect(estimate(textToImage('flux-dev', 1024, 1024, steps), listA).ok).toBe(true);
  });

  it('offers the sizes 512×512, 768×768, 1024×1024, 1024×1440 and 1440×1440', () => {
    const presets = sizePresets(listA, 'flux-dev', 'text-to-image').map((size) => `${size.width}×${size.height}`);
    expect(presets).toEqual(expect.arrayContaining(['512×512', '768×768', '1024×1024', '1024×1440', '1440×1440']));
  });

  it('orders the models cheapest first', () => {
    const ids = modelsForOperation(listA, 'text-to-image').map((model) => model.id);
    expect(ids).toEqual(['flux-schnell', 'flux-dev', 'flux-pro', 'flux-1.1-pro', 'flux-realism-lora']);
    const prices = ids.map((id) => creditsOf(textToImage(id, 1024, 1024), listA));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
  });

  it('prices inpainting on the whole image; the masked area has a minor effect', () => {
    const base = creditsOf(textToImage('flux-dev', 1024, 1024), listA);
    const inpaint = (coverage: number) => creditsOf({ operation: 'inpaint', model: 'flux-dev', width: 1024, height: 1024, mask: { coverage } }, listA);
    expect(inpaint(0)).toBe(base);
    expect(inpaint(1)).toBeGreaterThanOrEqual(base);
    expect(inpaint(1) / base).toBeLessThanOrEqual(1.1);
  });

  it('prices outpainting on the final size: 1024×1024 expanded to 2048×1024 costs more than the original', () => {
    const original = creditsOf(textToImage('flux-dev', 1024, 1024), listA);
    const expanded = priced({ operation: 'outpaint', model: 'flux-dev', width: 1024, height: 1024, outpaint: { right: 1024 } }, listA);
    expect(expanded.credits).toBeGreaterThan(original);
    // 2048×1024 = 2.097152 MP × 25 steps × 1.9 = 99.6 → 100
    expect(expanded.credits).toBe(100);
    expect(expanded.lineItems[0]?.description).toContain('1024×1024 expanded right 1024 px to 2048×1024 = 2.10 MP');
  });

  it('a 256 px expansion costs less than a 1024 px one', () => {
    const outpaint = (right: number) => creditsOf({ operation: 'outpaint', model: 'flux-dev', width: 1024, height: 1024, outpaint: { right } }, listA);
    expect(outpaint(256)).toBeLessThan(outpaint(1024));
  });

  it('says in words how a price was computed', () => {
    const estimate = priced(textToImage('flux-dev', 1024, 1440, 28), listA);
    expect(estimate.lineItems).toEqual([
      {
        description: 'Flux.1 [dev] text-to-image, 1024×1440 = 1.47 MP × 28 steps × 1.9 tokens per MP·step = 78 tokens',
        quantity: 1,
        unitCredits: 78,
        credits: 78,
      },
    ]);
    expect(estimate).toMatchObject({ catalogId: 'list-a', catalogVersion: 2, modelId: 'flux-dev', provider: 'black-forest-labs' });
  });
});
