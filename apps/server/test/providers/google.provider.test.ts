import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GoogleProvider, nearestImagenRatio } from '../../src/providers/google.provider.js';
import { withRetries } from '../../src/providers/retry.js';
import { behaviour } from './fakes/fake-async-provider.js';
import { FakeGoogleServer } from './fakes/fake-google-server.js';
import { expectProviderError, generationInput, pngInfo } from './helpers.js';

const apiKey = 'gemini-test-key';
const input = () => generationInput({ modelId: 'imagen-4', width: 1280, height: 896, steps: null });

describe('GoogleProvider (Imagen 4 on the Gemini API) against a fake', () => {
  let fake: FakeGoogleServer;
  const adapter = (options: { timeoutMs?: number; apiKey?: string } = {}): GoogleProvider => new GoogleProvider({ apiKey, baseUrl: fake.baseUrl, timeoutMs: 5_000, ...options });
  const retried = (provider: GoogleProvider) => withRetries(() => provider.generate(input()), { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 50 });

  beforeEach(async () => {
    fake = await FakeGoogleServer.start(apiKey);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('runs Imagen 4 text-to-image only; sizes map to its aspect ratios', () => {
    expect(adapter().supports('imagen-4', 'text-to-image')).toBe(true);
    expect(adapter().supports('imagen-4', 'inpaint')).toBe(false);
    expect(nearestImagenRatio(1408, 768)).toBe('16:9');
    expect(nearestImagenRatio(896, 1280)).toBe('3:4');
  });

  it('sends the documented predict request and returns a PNG of the asked size', async () => {
    const image = await adapter().generate(input());
    expect(fake.requests[0]?.headers['x-goog-api-key']).toBe(apiKey);
    expect(JSON.parse(fake.requests[0]?.body.toString('utf8') ?? '{}')).toEqual({
      instances: [{ prompt: 'a lighthouse on a cliff at dusk' }],
      parameters: { sampleCount: 1, aspectRatio: '4:3', includeRaiReason: true },
    });
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 1280, height: 896 });
  });

  it('429 RESOURCE_EXHAUSTED with Retry-After, and 5xx, are retried', async () => {
    fake.script.push(behaviour.rateLimited(1, { error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }));
    expect((await expectProviderError(adapter().generate(input()), 'rate_limited')).retryAfterMs).toBe(1_000);
    fake.script.push(behaviour.rateLimited(0), behaviour.serverError(503));
    expect((await retried(adapter())).width).toBe(1280);
  });

  it('a filtered image is moderated and not retried; timeout, malformed answer and a bad key', async () => {
    fake.script.push({ kind: 'filtered' });
    expect((await expectProviderError(retried(adapter()), 'moderated')).message).toMatch(/violate our policies/);
    expect(fake.requests).toHaveLength(1);
    fake.script.push(behaviour.hang());
    await expectProviderError(adapter({ timeoutMs: 200 }).generate(input()), 'timeout');
    fake.script.push(behaviour.malformed());
    await expectProviderError(adapter().generate(input()), 'server_error');
    await expectProviderError(adapter({ apiKey: 'wrong' }).generate(input()), 'rejected');
  });
});
