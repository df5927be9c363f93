import { describe, expect, it } from 'vitest';
import { estimate, listB, modelForQuality } from '../src/index.js';
import { creditsOf } from './priced.js';

// The figures List B states (pricing-reference.md), each against List B's own catalog. Ranges
// resolve by size: the lower end up to 1 MP (10⁶ px), the upper end above, so 1024×1024
// (1.05 MP) takes the upper end and 960×960 (0.92 MP) the lower.

const large = { width: 1024, height: 1024 };
const small = { width: 960, height: 960 };

const create = (quality: string, variations = 1) => ({ operation: 'text-to-image', quality, ...large, variations });
const edit = (operation: string, size = large, variations = 1) => ({ operation, ...size, variations });

describe('List B worked examples', () => {
  it('5 images at Standard (4 each) + 3 background removals (3 each) = 29', () => {
    const images = creditsOf(create('standard', 5), listB);
    const removals = creditsOf(edit('remove-background', large, 3), listB);
    expect([images, removals]).toEqual([20, 9]);
    expect(images + removals).toBe(29);
  });

  it('1 Premium image (6) + conservative upscale (6) = 12', () => {
    const image = creditsOf(create('premium'), listB);
    const upscale = creditsOf(edit('upscale-conservative'), listB);
    expect([image, upscale]).toEqual([6, 6]);
    expect(image + upscale).toBe(12);
  });

  it('1 Premium image (6) + background removal (3) + 3 recolors (4 each) = 21', () => {
    const image = creditsOf(create('premium'), listB);
    const removal = creditsOf(edit('remove-background'), listB);
    const recolors = creditsOf(edit('search-and-recolor', small, 3), listB);
    expect([image, removal, recolors]).toEqual([6, 3, 12]);
    expect(image + removal + recolors).toBe(21);
  });

  it('20 Draft images (2 each) + 10 edits (4 each) + 5 fast upscales (2 each) = 90', () => {
    const drafts = creditsOf(create('draft', 20), listB);
    // The edits are inpaints of 1024×1024 images: the upper end of inpaint's 3–4.
    const edits = creditsOf({ ...edit('inpaint', large, 10), mask: { coverage: 0.3 } }, listB);
    const upscales = creditsOf(edit('upscale-fast', large, 5), listB);
    expect([drafts, edits, upscales]).toEqual([40, 40, 10]);
    expect(drafts + edits + upscales).toBe(90);
  });
});

describe('List B prices', () => {
  const model = (id: string, size = large) => creditsOf({ operation: 'text-to-image', model: id, ...size }, listB);

  it('Create: Ultra 8, Core 3, SD3.5 by variant, Ideogram V3 5–6, Qwen 1–2', () => {
    expect(model('stability-ultra')).toBe(8);
    expect(model('stability-core')).toBe(3);
    expect([model('stability-sd3.5-large'), model('stability-sd3.5-large-turbo'), model('stability-sd3.5-medium')]).toEqual([6, 4, 3]);
    expect([model('ideogram-v3', small), model('ideogram-v3')]).toEqual([5, 6]);
    expect([model('qwen-image', small), model('qwen-image')]).toEqual([1, 2]);
  });

  it('HuggingFace FLUX and Gemini Imagen: free tier, then priced', () => {
    const flux = { operation: 'text-to-image', model: 'huggingface-flux-dev', ...large };
    expect(creditsOf(flux, listB, { freeUnitsUsed: { 'huggingface-flux': 0 } })).toBe(0);
    expect(creditsOf(flux, listB, { freeUnitsUsed: { 'huggingface-flux': 50 } })).toBe(2);
    const imagen = { operation: 'text-to-image', model: 'imagen-4', ...large };
    expect(creditsOf(imagen, listB, { freeUnitsUsed: { 'gemini-imagen': 9 } })).toBe(0);
    expect(creditsOf(imagen, listB, { freeUnitsUsed: { 'gemini-imagen': 10 } })).toBe(4);
  });

  it('quality levels pick a model within their range: Draft 1–2, Standard 3–5, Premium 6–8', () => {
    const ranges = { draft: [1, 2], standard: [3, 5], premium: [6, 8] } as const;
    for (const [level, [low, high]] of Object.entries(ranges)) {
      expect(modelForQuality(listB, level as keyof typeof ranges, 'text-to-image')).toBeDefined();
      for (const size of [small, large]) {
        const credits = creditsOf({ operation: 'text-to-image', quality: level, ...size }, listB);
        expect(credits).toBeGreaterThanOrEqual(low);
        expect(credits).toBeLessThanOrEqual(high);
      }
    }
  });

  it('variations and batches cost base × count', () => {
    for (let count = 1; count <= 20; count += 1) expect(creditsOf(create('standard', count), listB)).toBe(4 * count);
  });

  it('edit operations take the lower end up to 1 MP and the upper end above', () => {
    const ranges = {
      'remove-background': [2, 3],
      inpaint: [3, 4],
      outpaint: [4, 5],
      'search-and-replace': [4, 5],
      'search-and-recolor': [4, 5],
      'replace-background-and-relight': [5, 6],
      'general-edit': [3, 5],
    } as const;
    for (const [operation, range] of Object.entries(ranges)) {
      const extra = operation === 'inpaint' ? { mask: { coverage: 0.5 } } : operation === 'outpaint' ? { outpaint: { right: 64 } } : {};
      // Outpaint is priced on its final canvas: 896×960 grown by 64 px is 0.92 MP; 1024×1024 grown is 1.11 MP.
      const lower = creditsOf({ ...edit(operation, operation === 'outpaint' ? { width: 896, height: 960 } : small), ...extra }, listB);
      const upper = creditsOf({ ...edit(operation), ...extra }, listB);
      expect([lower, upper]).toEqual(range);
    }
  });

  it('Upscale: fast (4×) 2, conservative (to 4K) 6, creative (to 4K) 6', () => {
    expect(creditsOf(edit('upscale-fast'), listB)).toBe(2);
    expect(creditsOf(edit('upscale-conservative'), listB)).toBe(6);
    expect(creditsOf(edit('upscale-creative'), listB)).toBe(6);
  });

  it('a fast upscale refuses a source above 1 MP, naming the limit', () => {
    const result = estimate(edit('upscale-fast', { width: 1536, height: 1024 }), listB);
    expect(result).toMatchObject({ ok: false, errors: [{ field: 'width', code: 'too_many_megapixels', allowed: { maxMegapixels: 1.048576 } }] });
  });
});
