import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HuggingFaceProvider } from '../../src/providers/hugging-face.provider.js';
import { withRetries } from '../../src/providers/retry.js';
import { behaviour } from './fakes/fake-async-provider.js';
import { FakeHuggingFaceServer } from './fakes/fake-hugging-face-server.js';
import { expectProviderError, generationInput, pngInfo } from './helpers.js';

const apiKey = 'hf_test';
const input = (overrides = {}) => generationInput({ modelId: 'huggingface-flux-dev', width: 640, height: 512, steps: 20, seed: 3, ...overrides });

describe('HuggingFaceProvider against a fake Hugging Face Inference API', () => {
  let fake: FakeHuggingFaceServer;
  const adapter = (options: { timeoutMs?: number; apiKey?: string } = {}): HuggingFaceProvider =>
    new HuggingFaceProvider({ apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, ...options });
  const retried = (provider: HuggingFaceProvider) => withRetries(() => provider.generate(input()), { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 50 });

  beforeEach(async () => {
    fake = await FakeHuggingFaceServer.start(apiKey);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('runs FLUX.1 [dev] text-to-image only', () => {
    expect(adapter().supports('huggingface-flux-dev', 'text-to-image')).toBe(true);
    expect(adapter().supports('flux-dev', 'text-to-image')).toBe(false);
    expect(adapter().supports('huggingface-flux-dev', 'inpaint')).toBe(false);
  });

  it('sends the documented request and returns the answered image as a PNG of the size', async () => {
    const image = await adapter().generate(input({ negativePrompt: 'blur' }));
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(fake.body()).toEqual({ inputs: 'a lighthouse on a cliff at dusk', parameters: { width: 640, height: 512, seed: 3, num_inference_steps: 20, negative_prompt: 'blur' } });
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 640, height: 512 });
  });

  it('429 with Retry-After, then success', async () => {
    fake.script.push(behaviour.rateLimited(3, { error: 'Rate limit reached' }));
    expect((await expectProviderError(adapter().generate(input()), 'rate_limited')).retryAfterMs).toBe(3_000);
    fake.script.push(behaviour.rateLimited(0, { error: 'Rate limit reached' }));
    expect((await retried(adapter())).width).toBe(640);
  });

  it('a loading model (503 with estimated_time) is retried after that time; 5xx too', async () => {
    fake.script.push({ kind: 'loading', estimatedSeconds: 20 });
    expect((await expectProviderError(adapter().generate(input()), 'server_error')).retryAfterMs).toBe(20_000);
    fake.script.push({ kind: 'loading', estimatedSeconds: 0.01 }, behaviour.serverError(502));
    expect((await retried(adapter())).height).toBe(512);
    expect(fake.requests).toHaveLength(4);
  });

  it('an NSFW refusal is moderated and not retried', async () => {
    fake.script.push({ kind: 'nsfw' });
    await expectProviderError(retried(adapter()), 'moderated');
    expect(fake.requests).toHaveLength(1);
  });

  it('a timeout, a malformed image and a wrong key', async () => {
    fake.script.push(behaviour.hang());
    await expectProviderError(adapter({ timeoutMs: 200 }).generate(input()), 'timeout');
    fake.script.push(behaviour.malformed());
    await expectProviderError(adapter().generate(input()), 'server_error');
    await expectProviderError(adapter({ apiKey: 'hf_wrong' }).generate(input()), 'rejected');
  });
});
