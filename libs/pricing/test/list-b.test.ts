import { describe, expect, it } from 'vitest';
import { estimate, listB, modelForQuality } from '../src/index.js';
import { creditsOf } from './priced.js';

// The figures List B states (pricing-reference.md), each against List B's own catalog. Ranges
// resolve by output size, with the point chosen per operation so that every worked example comes
// out exact at one size, 1024×1024 (1.05 MP): most take their upper end there, search & recolor
// and general edit a point below it, and their upper end only above 1.1 MP.

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
    const recolors = creditsOf(edit('search-and-recolor', large, 3), listB);
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

  it('edit operations span their ranges by size: smaller, 1024×1024 (the worked examples) and larger', () => {
    const tiny = { width: 640, height: 640 };
    const big = { width: 1280, height: 1024 };
    const ranges = {
      'remove-background': [2, 3, 3],
      inpaint: [3, 4, 4],
      'search-and-replace': [4, 5, 5],
      'search-and-recolor': [4, 4, 5],
      'replace-background-and-relight': [5, 6, 6],
      'general-edit': [3, 4, 5],
    } as const;
    for (const [operation, range] of Object.entries(ranges)) {
      const extra = operation === 'inpaint' ? { mask: { coverage: 0.5 } } : {};
      const at = (size: { width: number; height: number }) => creditsOf({ ...edit(operation, size), ...extra }, listB);
      expect([at(operation === 'general-edit' ? tiny : small), at(large), at(big)], operation).toEqual(range);
    }
    // Outpaint is priced on its final canvas: 896×960 grown by 64 px is 0.92 MP; 1024×1024 grown is 1.11 MP.
    const outpaint = (size: { width: number; height: number }) => creditsOf({ ...edit('outpaint', size), outpaint: { right: 64 } }, listB);
    expect([outpaint({ width: 896, height: 960 }), outpaint(large)]).toEqual([4, 5]);
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
