import { describe, expect, it } from 'vitest';
import { FalProvider } from '../../src/providers/fal.provider.js';
import { adapterContract } from './adapter-contract.js';
import { FakeFalServer } from './fakes/fake-fal-server.js';
import { generationInput } from './helpers.js';

const apiKey = 'fal-test-key';

describe('FalProvider against a fake fal queue API', () => {
  it('runs FLUX.1 [schnell] and Flux Realism [lora] text-to-image only', () => {
    const provider = new FalProvider({ apiKey, baseUrl: 'http://127.0.0.1:1' });
    expect(provider.supports('flux-schnell', 'text-to-image')).toBe(true);
    expect(provider.supports('flux-realism-lora', 'text-to-image')).toBe(true);
    expect(provider.supports('flux-realism-lora', 'inpaint')).toBe(false);
    expect(provider.supports('flux-dev', 'text-to-image')).toBe(false);
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
});
