import { describe, expect, it } from 'vitest';
import { nearestIdeogramRatio, WavespeedProvider } from '../../src/providers/wavespeed.provider.js';
import { adapterContract } from './adapter-contract.js';
import { FakeWavespeedServer } from './fakes/fake-wavespeed-server.js';
import { generationInput, pngInfo, testPng } from './helpers.js';

const apiKey = 'ws-test-key';
const adapter = (fake: FakeWavespeedServer, options: { timeoutMs?: number; apiKey?: string } = {}): WavespeedProvider =>
  new WavespeedProvider({ apiKey, baseUrl: fake.baseUrl, pollIntervalMs: 2, timeoutMs: 5_000, ...options });

describe('WavespeedProvider against a fake WaveSpeed API', () => {
  it('runs Ideogram V3 and Qwen-Image text-to-image and Qwen-Image Edit general edit, nothing else', () => {
    const provider = new WavespeedProvider({ apiKey, baseUrl: 'http://127.0.0.1:1' });
    expect(provider.supports('ideogram-v3', 'text-to-image')).toBe(true);
    expect(provider.supports('qwen-image', 'text-to-image')).toBe(true);
    expect(provider.supports('qwen-image-edit', 'general-edit')).toBe(true);
    expect(provider.supports('qwen-image-edit', 'text-to-image')).toBe(false);
    expect(provider.supports('flux-realism-lora', 'text-to-image')).toBe(false);
    expect(provider.supports('flux-dev', 'text-to-image')).toBe(false);
  });

  it('maps sizes to Ideogram aspect ratios', () => {
    expect(nearestIdeogramRatio(1024, 1024)).toBe('1:1');
    expect(nearestIdeogramRatio(1280, 768)).toBe('16:9');
    expect(nearestIdeogramRatio(864, 1152)).toBe('3:4');
    expect(nearestIdeogramRatio(640, 1536)).toBe('9:16');
  });

  describe('Qwen-Image text-to-image (the shared adapter contract)', () => {
    const { fake } = adapterContract({
      start: () => FakeWavespeedServer.start(apiKey),
      adapter: (server, options) => adapter(server, options),
      input: () => generationInput({ modelId: 'qwen-image', width: 768, height: 512, steps: null, seed: 9 }),
      size: { width: 768, height: 512 },
    });

    it('submits the documented request: Bearer key, W*H size, seed, png', async () => {
      await adapter(fake()).generate(generationInput({ modelId: 'qwen-image', width: 768, height: 512, steps: null, seed: 9 }));
      const [submission] = fake().requests('submit');
      expect(submission?.path).toBe('/api/v3/wavespeed-ai/qwen-image/text-to-image');
      expect(submission?.headers.authorization).toBe(`Bearer ${apiKey}`);
      expect(fake().submittedBody()).toEqual({
        prompt: 'a lighthouse on a cliff at dusk',
        size: '768*512',
        seed: 9,
        output_format: 'png',
        enable_base64_output: false,
        enable_sync_mode: false,
      });
    });
  });

  describe('Ideogram V3 and Qwen-Image Edit', () => {
    const { fake } = adapterContract({
      start: () => FakeWavespeedServer.start(apiKey),
      adapter: (server, options) => adapter(server, options),
      input: async () => generationInput({ modelId: 'qwen-image-edit', operation: 'general-edit', width: 320, height: 240, steps: null, source: await testPng(320, 240) }),
      size: { width: 320, height: 240 },
    });

    it('general edit uploads the source first and sends its URL; the result has the source size', async () => {
      const image = await adapter(fake()).generate(
        generationInput({ modelId: 'qwen-image-edit', operation: 'general-edit', prompt: 'make it winter', width: 320, height: 240, steps: null, source: await testPng(320, 240) }),
      );
      const [upload] = fake().requests('upload');
      expect(upload?.headers['content-type']).toMatch(/^multipart\/form-data/);
      expect(upload?.body.includes(Buffer.from('\x89PNG', 'latin1'))).toBe(true);
      const body = fake().submittedBody();
      expect(body).toMatchObject({ prompt: 'make it winter', output_format: 'png' });
      expect(body.image).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/uploads\//);
      expect(await pngInfo(image.png)).toMatchObject({ width: 320, height: 240 });
    });

    it('Ideogram V3 sends an aspect ratio and brings the result to the asked size', async () => {
      const image = await adapter(fake()).generate(generationInput({ modelId: 'ideogram-v3', width: 1280, height: 768, steps: null }));
      expect(fake().requests('submit')[0]?.path).toBe('/api/v3/ideogram-ai/ideogram-v3-turbo');
      expect(fake().submittedBody()).toMatchObject({ aspect_ratio: '16:9', style: 'Auto' });
      expect(await pngInfo(image.png)).toMatchObject({ width: 1280, height: 768 });
    });
  });
});
