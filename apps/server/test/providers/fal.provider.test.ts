import { describe, expect, it } from 'vitest';
import { FalProvider } from '../../src/providers/fal.provider.js';
import { adapterContract } from './adapter-contract.js';
import { FakeFalServer } from './fakes/fake-fal-server.js';
import { generationInput, rectangleMask, testPng } from './helpers.js';

const apiKey = 'fal-test-key';

describe('FalProvider against a fake fal queue API', () => {
  it('runs FLUX.1 [schnell], Flux Realism [lora] and its second-route models; edits only where fal has an edit model', () => {
    const provider = new FalProvider({ apiKey, baseUrl: 'http://127.0.0.1:1' });
    expect(provider.supports('flux-schnell', 'text-to-image')).toBe(true);
    expect(provider.supports('flux-realism-lora', 'text-to-image')).toBe(true);
    expect(provider.supports('flux-realism-lora', 'inpaint')).toBe(false);
    // flux-dev became a second route (issue #19); a model fal does not serve for us stays refused.
    expect(provider.supports('flux-dev', 'text-to-image')).toBe(true);
    expect(provider.supports('stability-core', 'text-to-image')).toBe(false);
  });

  const { fake } = adapterContract({
    start: () => FakeFalServer.start(apiKey),
    adapter: (server, options) => new FalProvider({ apiKey, baseUrl: server.baseUrl, pollIntervalMs: 2, ...options }),
    input: () => generationInput({ modelId: 'flux-schnell', width: 512, height: 384, steps: 4, seed: 5 }),
    size: { width: 512, height: 384 },
  });

  it('submits the documented input with the Key header and follows status_url and response_url', async () => {
    await new FalProvider({ apiKey, baseUrl: fake().baseUrl, pollIntervalMs: 2 }).generate(generationInput({ modelId: 'flux-realism-lora', width: 768, height: 512, steps: 30, seed: 8 }));
    const [submission] = fake().requests('submit');
    expect(submission?.path).toBe('/fal-ai/flux-realism');
    expect(submission?.headers.authorization).toBe(`Key ${apiKey}`);
    expect(fake().submittedBody()).toEqual({
      prompt: 'a lighthouse on a cliff at dusk',
      image_size: { width: 768, height: 512 },
      seed: 8,
      num_images: 1,
      enable_safety_checker: true,
      output_format: 'png',
      num_inference_steps: 30,
    });
    expect(fake().requests('poll')[0]?.path).toMatch(/^\/fal-ai\/flux-realism\/requests\/[^/]+\/status$/);
    expect(fake().requests('result')).toHaveLength(1);
  });

  it('runs the catalog models fal serves beside their own providers, each with its documented input', async () => {
    const provider = new FalProvider({ apiKey, baseUrl: fake().baseUrl, pollIntervalMs: 2 });
    for (const model of ['flux-dev', 'flux-pro', 'flux-1.1-pro', 'qwen-image', 'stability-sd3.5-large', 'ideogram-v3']) expect(provider.supports(model, 'text-to-image'), model).toBe(true);
    expect(provider.supports('flux-dev', 'inpaint')).toBe(true);
    expect(provider.supports('flux-dev', 'outpaint')).toBe(false);
    expect(provider.supports('flux-kontext-pro', 'general-edit')).toBe(true);
    expect(provider.supports('qwen-image-edit', 'general-edit')).toBe(true);
    expect(provider.supports('qwen-image-edit', 'text-to-image')).toBe(false);
    await provider.generate(generationInput({ modelId: 'flux-1.1-pro', width: 1024, height: 768, steps: 25 }));
    await provider.generate(generationInput({ modelId: 'stability-sd3.5-large', width: 1024, height: 1024, steps: 40, negativePrompt: 'blur' }));
    expect(fake().requests('submit').map((request) => request.path)).toEqual(['/fal-ai/flux-pro/v1.1', '/fal-ai/stable-diffusion-v35-large']);
    // FLUX 1.1 [pro] takes no step count; SD3.5 takes steps and a negative prompt.
    expect(fake().submittedBody(0)).not.toHaveProperty('num_inference_steps');
    expect(fake().submittedBody(1)).toMatchObject({ num_inference_steps: 40, negative_prompt: 'blur', image_size: { width: 1024, height: 1024 } });
    expect(fake().requests('poll')[0]?.path).toMatch(/^\/fal-ai\/flux-pro\/requests\/[^/]+\/status$/);
  });
});

const source = await testPng(320, 256);
const mask = await rectangleMask(320, 256, { left: 40, top: 30, width: 100, height: 80 });
const dataUri = (png: Buffer): string => `data:image/png;base64,${png.toString('base64')}`;

describe('FalProvider edits against the fake fal queue API (a second route for inpaint and general edit)', () => {
  const { fake } = adapterContract({
    start: () => FakeFalServer.start(apiKey),
    adapter: (server, options) => new FalProvider({ apiKey, baseUrl: server.baseUrl, pollIntervalMs: 2, ...options }),
    input: () => generationInput({ modelId: 'flux-dev', operation: 'inpaint', width: 320, height: 256, steps: 20, seed: 7, source, mask, prompt: 'a red door' }),
    size: { width: 320, height: 256 },
  });

  it('inpaint goes to FLUX.1 Fill with the source and our mask as data URIs, and keeps the source size', async () => {
    const image = await new FalProvider({ apiKey, baseUrl: fake().baseUrl, pollIntervalMs: 2 }).generate(
      generationInput({ modelId: 'flux-1.1-pro', operation: 'inpaint', width: 320, height: 256, steps: null, seed: 3, source, mask, prompt: 'a red door' }),
    );
    expect(image).toMatchObject({ width: 320, height: 256 });
    expect(fake().requests('submit')[0]?.path).toBe('/fal-ai/flux-pro/v1/fill');
    expect(fake().submittedBody()).toEqual({ prompt: 'a red door', image_url: dataUri(source), mask_url: dataUri(mask), seed: 3, num_images: 1, output_format: 'png' });
  });

  it('general edit: FLUX.1 Kontext [pro] and Qwen-Image Edit take the source and the instruction', async () => {
    const provider = new FalProvider({ apiKey, baseUrl: fake().baseUrl, pollIntervalMs: 2 });
    for (const modelId of ['flux-kontext-pro', 'qwen-image-edit']) {
      const image = await provider.generate(generationInput({ modelId, operation: 'general-edit', width: 320, height: 256, steps: null, seed: 9, source, prompt: 'make it night' }));
      expect(image, modelId).toMatchObject({ width: 320, height: 256 });
    }
    expect(fake().requests('submit').map((request) => request.path)).toEqual(['/fal-ai/flux-pro/kontext', '/fal-ai/qwen-image-edit']);
    expect(fake().submittedBody(1)).toEqual({ prompt: 'make it night', image_url: dataUri(source), seed: 9, num_images: 1, output_format: 'png', enable_safety_checker: true });
  });

  it('an edit without its source or mask is refused before any call', async () => {
    const provider = new FalProvider({ apiKey, baseUrl: fake().baseUrl, pollIntervalMs: 2 });
    await expect(provider.generate(generationInput({ modelId: 'flux-dev', operation: 'inpaint', source }))).rejects.toMatchObject({ kind: 'rejected' });
    await expect(provider.generate(generationInput({ modelId: 'qwen-image-edit', operation: 'general-edit' }))).rejects.toMatchObject({ kind: 'rejected' });
    expect(fake().requests('submit')).toHaveLength(0);
  });
});
