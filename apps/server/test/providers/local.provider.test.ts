import { defaultCatalog, operations, type Operation } from '@atelier/pricing';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { LocalProvider, localLimits, localUpscaleSize } from '../../src/providers/local.provider.js';
import { expectProviderError, generationInput, isPng, pngInfo, rectangleMask, rgba, testPng } from './helpers.js';

describe('LocalProvider', () => {
  const local = new LocalProvider();

  it('supports every model and operation of the catalog, and nothing the catalog does not offer', () => {
    for (const model of defaultCatalog.models) {
      for (const operation of operations) {
        const offered = model.operations[operation] !== undefined;
        expect(local.supports(model.id, operation), `${model.id} ${operation}`).toBe(offered);
      }
    }
    expect(local.supports('no-such-model', 'text-to-image')).toBe(false);
  });

  it('renders a PNG of the requested size, byte-identical for the same input', async () => {
    const input = generationInput({ width: 320, height: 192 });
    const first = await local.generate(input);
    const second = await local.generate(generationInput({ width: 320, height: 192 }));
    expect(isPng(first.png)).toBe(true);
    expect(await pngInfo(first.png)).toMatchObject({ format: 'png', width: 320, height: 192 });
    expect(first).toMatchObject({ width: 320, height: 192, seed: 42 });
    expect(first.png.equals(second.png)).toBe(true);
  });

  it('gives a different image for a different seed, prompt, model or operation', async () => {
    const base = await local.generate(generationInput({ width: 128, height: 128 }));
    const others = await Promise.all([
      local.generate(generationInput({ width: 128, height: 128, seed: 43 })),
      local.generate(generationInput({ width: 128, height: 128, prompt: 'a red fox' })),
      local.generate(generationInput({ width: 128, height: 128, modelId: 'flux-pro' })),
    ]);
    for (const other of others) expect(other.png.equals(base.png)).toBe(false);
    // Not just different bytes: different pixels.
    const [a, b] = await Promise.all([rgba(base.png), rgba(others[0].png)]);
    expect(a.data.equals(b.data)).toBe(false);
  });

  it('inpaint repaints only where the mask is white', async () => {
    const source = await testPng(96, 64);
    const mask = await rectangleMask(96, 64, { left: 20, top: 10, width: 40, height: 30 });
    const result = await local.generate(generationInput({ operation: 'inpaint', width: 96, height: 64, source, mask }));
    expect(await pngInfo(result.png)).toMatchObject({ width: 96, height: 64 });
    const [before, after] = await Promise.all([rgba(source), rgba(result.png)]);
    let changedInside = 0;
    for (let y = 0; y < 64; y += 1) {
      for (let x = 0; x < 96; x += 1) {
        const i = (y * 96 + x) * 4;
        const inside = x >= 20 && x < 60 && y >= 10 && y < 40;
        const same = before.data.subarray(i, i + 4).equals(after.data.subarray(i, i + 4));
        if (!inside) expect(same, `pixel ${x},${y} under black changed`).toBe(true);
        else if (!same) changedInside += 1;
      }
    }
    expect(changedInside).toBeGreaterThan(40 * 30 * 0.9);
  });

  it('outpaint makes the larger canvas and places the source unchanged at (left, top)', async () => {
    const source = await testPng(60, 40);
    const outpaint = { left: 16, right: 8, top: 4, bottom: 12 };
    const result = await local.generate(generationInput({ operation: 'outpaint', width: 60, height: 40, source, outpaint }));
    expect(result).toMatchObject({ width: 84, height: 56 });
    expect(await pngInfo(result.png)).toMatchObject({ width: 84, height: 56 });
    const [before, after] = await Promise.all([rgba(source), rgba(result.png)]);
    for (let y = 0; y < 40; y += 1) {
      const row = before.data.subarray(y * 60 * 4, (y + 1) * 60 * 4);
      const placed = after.data.subarray(((y + 4) * 84 + 16) * 4, ((y + 4) * 84 + 16 + 60) * 4);
      expect(placed.equals(row), `row ${y}`).toBe(true);
    }
    // New content around it: the margin is not the source's edge repeated.
    expect(after.data.subarray(0, 16 * 4).equals(Buffer.alloc(16 * 4))).toBe(false);
  });

  it.each<Operation>(['search-and-replace', 'search-and-recolor', 'replace-background-and-relight'])(
    '%s returns an image of the source size derived from the source',
    async (operation) => {
      const source = await testPng(80, 60);
      const result = await local.generate(
        generationInput({ operation, modelId: 'stability-edit', width: 80, height: 60, source, searchPrompt: 'the square', prompt: 'a blue ball' }),
      );
      expect(await pngInfo(result.png)).toMatchObject({ format: 'png', width: 80, height: 60 });
      const [before, after] = await Promise.all([rgba(source), rgba(result.png)]);
      expect(after.data.equals(before.data)).toBe(false);
    },
  );

  it('general-edit returns an image of the source size', async () => {
    const source = await testPng(50, 70);
    const result = await local.generate(generationInput({ operation: 'general-edit', modelId: 'qwen-image-edit', width: 50, height: 70, source }));
    expect(await pngInfo(result.png)).toMatchObject({ width: 50, height: 70 });
  });

  it('remove-background returns a PNG with alpha, transparent where the background was', async () => {
    // A red square on a flat grey background.
    const source = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .composite([{ input: { create: { width: 24, height: 24, channels: 3, background: '#e02020' } }, left: 20, top: 30 }])
      .png()
      .toBuffer();
    const result = await local.generate(generationInput({ operation: 'remove-background', modelId: 'stability-edit', width: 64, height: 64, source }));
    const info = await pngInfo(result.png);
    expect(info).toMatchObject({ width: 64, height: 64, hasAlpha: true });
    const { data } = await rgba(result.png);
    expect(data[3]).toBe(0); // the corner is background
    expect(data[(40 * 64 + 30) * 4 + 3]).toBe(255); // the square is subject
  });

  it('upscale-fast is 4× the source; conservative and creative bring the long side to 4K', async () => {
    const source = await testPng(64, 16);
    const fast = await local.generate(generationInput({ operation: 'upscale-fast', modelId: 'stability-upscale', width: 64, height: 16, source }));
    expect(await pngInfo(fast.png)).toMatchObject({ width: 256, height: 64 });
    for (const operation of ['upscale-conservative', 'upscale-creative'] as const) {
      const result = await local.generate(generationInput({ operation, modelId: 'stability-upscale', width: 64, height: 16, source }));
      expect(result).toMatchObject({ width: localLimits.fourKLongSide, height: 1024 });
      expect(await pngInfo(result.png)).toMatchObject({ width: 4096, height: 1024 });
    }
  });

  it('caps upscales at the named limit', () => {
    expect(localUpscaleSize('upscale-fast', 1536, 1024)).toEqual({ width: 4096, height: 2731 });
    expect(localUpscaleSize('upscale-fast', 100, 50)).toEqual({ width: 400, height: 200 });
    expect(localUpscaleSize('upscale-conservative', 1000, 1500)).toEqual({ width: 2731, height: 4096 });
    expect(localUpscaleSize('upscale-creative', 4096, 2048)).toEqual({ width: 4096, height: 2048 });
  });

  it('rejects sizes past the limit and edits without a source', async () => {
    await expectProviderError(local.generate(generationInput({ width: 5000, height: 100 })), 'rejected');
    await expectProviderError(local.generate(generationInput({ operation: 'inpaint' })), 'rejected');
    await expectProviderError(local.generate(generationInput({ operation: 'inpaint', source: await testPng(8, 8) })), 'rejected');
    await expectProviderError(local.generate(generationInput({ modelId: 'stability-core', operation: 'inpaint' })), 'rejected');
  });

  it('waits latencyMs, and an abort during the wait ends the call at once as aborted', async () => {
    const slow = new LocalProvider({ latencyMs: 10_000 });
    const controller = new AbortController();
    const started = Date.now();
    const call = slow.generate(generationInput({ signal: controller.signal }));
    setTimeout(() => {
      controller.abort();
    }, 20);
    await expectProviderError(call, 'aborted');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expectProviderError(local.generate(generationInput({ signal: AbortSignal.abort() })), 'aborted');
  });

  it('fails a share of calls with a retryable server_error, drawn by the injected random function', async () => {
    const draws = [0.1, 0.9, 0.49, 0.5];
    const flaky = new LocalProvider({ failureRate: 0.5, random: () => draws.shift() ?? 1 });
    const input = generationInput({ width: 32, height: 32 });
    const failure = await expectProviderError(flaky.generate(input), 'server_error');
    expect(failure.retryable).toBe(true);
    await expect(flaky.generate(input)).resolves.toMatchObject({ width: 32, height: 32 });
    await expectProviderError(flaky.generate(input), 'server_error');
    await expect(flaky.generate(input)).resolves.toMatchObject({ width: 32 });
    expect(() => new LocalProvider({ failureRate: 1.5 })).toThrow(RangeError);
    expect(() => new LocalProvider({ latencyMs: -1 })).toThrow(RangeError);
  });
});
