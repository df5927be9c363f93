import { describe, expect, it } from 'vitest';
import { GoogleProvider, nearestGeminiRatio } from '../../src/providers/google.provider.js';
import { syncAdapterContract } from './adapter-contract.js';
import { FakeGeminiServer } from './fakes/fake-gemini-server.js';
import { expectProviderError, generationInput, pngInfo, testPng } from './helpers.js';

const apiKey = 'gemini-test-key';

describe("GoogleProvider: Gemini's image model (gemini-2.5-flash-image) against a fake Gemini API", () => {
  it('runs gemini-flash-image text-to-image and general edit, beside Imagen 4', () => {
    const provider = new GoogleProvider({ apiKey, baseUrl: 'http://127.0.0.1:1' });
    expect(provider.supports('gemini-flash-image', 'text-to-image')).toBe(true);
    expect(provider.supports('gemini-flash-image', 'general-edit')).toBe(true);
    expect(provider.supports('gemini-flash-image', 'inpaint')).toBe(false);
    expect(provider.supports('imagen-4', 'text-to-image')).toBe(true);
    expect(provider.supports('imagen-4', 'general-edit')).toBe(false);
    expect(nearestGeminiRatio(1920, 800)).toBe('21:9');
    expect(nearestGeminiRatio(800, 1000)).toBe('4:5');
  });

  const { fake } = syncAdapterContract({
    start: () => FakeGeminiServer.start(apiKey),
    adapter: (server, options) => new GoogleProvider({ apiKey, baseUrl: server.baseUrl, ...options }),
    input: () => generationInput({ modelId: 'gemini-flash-image', width: 1344, height: 768, steps: null }),
    size: { width: 1344, height: 768 },
  });
  const adapter = () => new GoogleProvider({ apiKey, baseUrl: fake().baseUrl, timeoutMs: 5_000 });

  it('text-to-image asks for an image only, at the nearest aspect ratio, and prices the tokens in dollars', async () => {
    const image = await adapter().generate(generationInput({ modelId: 'gemini-flash-image', width: 1024, height: 1024, steps: null }));
    expect(fake().calls()[0]?.headers['x-goog-api-key']).toBe(apiKey);
    expect(fake().body()).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'a lighthouse on a cliff at dusk' }] }],
      generationConfig: { responseModalities: ['IMAGE'], imageConfig: { aspectRatio: '1:1' } },
    });
    // 12 input tokens at $0.30/M + 1290 image tokens at $30/M.
    expect(image).toMatchObject({ width: 1024, height: 1024, cost: { amount: 0.038704, unit: 'usd' } });
  });

  it('an edit sends the source image and the instruction in one turn and returns the source size', async () => {
    const source = await testPng(800, 600);
    const image = await adapter().generate(generationInput({ modelId: 'gemini-flash-image', operation: 'general-edit', width: 800, height: 600, steps: null, source, prompt: 'make it night' }));
    const [turn] = fake().body().contents;
    expect(turn?.parts[0]).toEqual({ text: 'make it night' });
    expect(turn?.parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: source.toString('base64') } });
    expect(fake().body().generationConfig).toMatchObject({ imageConfig: { aspectRatio: '4:3' } });
    expect(await pngInfo(image.png)).toMatchObject({ width: 800, height: 600 });
  });

  it('a conversational edit: the prompt that made the source, the source as the model turn, then the instruction', async () => {
    const source = await testPng(1024, 1024);
    await adapter().generate(generationInput({ modelId: 'gemini-flash-image', operation: 'general-edit', width: 1024, height: 1024, steps: null, source, sourcePrompt: 'a red bicycle', prompt: 'now paint it blue' }));
    expect(fake().body().contents).toEqual([
      { role: 'user', parts: [{ text: 'a red bicycle' }] },
      { role: 'model', parts: [{ inlineData: { mimeType: 'image/png', data: source.toString('base64') } }] },
      { role: 'user', parts: [{ text: 'now paint it blue' }] },
    ]);
  });

  it('a refused image (finishReason IMAGE_SAFETY) is moderated too', async () => {
    fake().refusal = 'image';
    fake().outcomes.push('moderated');
    const failure = await expectProviderError(adapter().generate(generationInput({ modelId: 'gemini-flash-image', steps: null })), 'moderated');
    expect(failure.message).toMatch(/IMAGE_SAFETY/);
  });

  it('an edit without a source is rejected without a call', async () => {
    await expectProviderError(adapter().generate(generationInput({ modelId: 'gemini-flash-image', operation: 'general-edit', steps: null })), 'rejected');
    expect(fake().calls()).toHaveLength(0);
  });
});
