import { describe, expect, it } from 'vitest';
import { coverage, providerLabel, usd } from './provider-costs.js';

describe('provider cost figures', () => {
  it('shows dollars with four places under a dollar, two above, and a dash when unknown', () => {
    expect(usd(0.04234)).toBe('$0.0423');
    expect(usd(12.4)).toBe('$12.40');
    expect(usd(null)).toBe('—');
  });

  it('names providers and says how many images had a reported cost', () => {
    expect(providerLabel('black-forest-labs')).toBe('Black Forest Labs');
    expect(providerLabel('local')).toBe('Demo renderer (not AI)');
    expect(providerLabel('somebody-new')).toBe('somebody-new');
    expect(coverage({ images: 3, imagesWithCost: 3 })).toBe('all 3 images');
    expect(coverage({ images: 3, imagesWithCost: 1 })).toBe('1 of 3 images');
    expect(coverage({ images: 1, imagesWithCost: 1 })).toBe('the image');
    expect(coverage({ images: 2, imagesWithCost: 2 })).toBe('both images');
  });
});
