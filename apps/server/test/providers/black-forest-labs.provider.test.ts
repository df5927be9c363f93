import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlackForestLabsProvider, kontextAspectRatio, type BlackForestLabsOptions } from '../../src/providers/black-forest-labs.provider.js';
import { bfl, FakeBflServer } from './fakes/fake-bfl-server.js';
import { expectProviderError, generationInput, isPng, pngInfo, rectangleMask, testPng, waitFor } from './helpers.js';

const apiKey = 'bfl-test-key';

describe('BlackForestLabsProvider against a fake BFL API', () => {
  let fake: FakeBflServer;
  const adapter = (options: Partial<BlackForestLabsOptions> = {}): BlackForestLabsProvider =>
    new BlackForestLabsProvider({ apiKey, baseUrl: fake.baseUrl, pollIntervalMs: 2, timeoutMs: 5_000, ...options });

  beforeEach(async () => {
    fake = await FakeBflServer.start({ apiKey });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('supports FLUX dev, pro and 1.1 pro for text-to-image, inpaint and outpaint, but not schnell', () => {
    const provider = adapter();
    for (const model of ['flux-dev', 'flux-pro', 'flux-1.1-pro']) {
      for (const operation of ['text-to-image', 'inpaint', 'outpaint'] as const) expect(provider.supports(model, operation)).toBe(true);
      expect(provider.supports(model, 'upscale-fast')).toBe(false);
    }
    expect(provider.supports('flux-schnell', 'text-to-image')).toBe(false);
    expect(provider.supports('flux-realism-lora', 'text-to-image')).toBe(false);
    expect(provider.supports('stability-core', 'text-to-image')).toBe(false);
  });

  it('flux-dev text-to-image: submits with x-key, polls until Ready, downloads the JPEG sample and returns a PNG of the size', async () => {
    fake.pendingPolls = 2;
    const image = await adapter().generate(generationInput({ modelId: 'flux-dev', width: 768, height: 512, steps: 28, seed: 7 }));

    const [submission] = fake.submissions();
    expect(submission?.path).toBe('/v1/flux-dev');
    expect(submission?.headers['x-key']).toBe(apiKey);
    expect(submission?.headers['content-type']).toBe('application/json');
    expect(fake.submittedBody()).toEqual({
      prompt: 'a lighthouse on a cliff at dusk',
      width: 768,
      height: 512,
      steps: 28,
      seed: 7,
      output_format: 'png',
      safety_tolerance: 2,
      prompt_upsampling: false,
    });
    expect(fake.polls()).toHaveLength(3);
    expect(fake.polls().every((poll) => poll.headers['x-key'] === apiKey)).toBe(true);
    // The pre-signed sample URL gets no key.
    expect(fake.downloads()).toHaveLength(1);
    expect(fake.downloads()[0]?.headers['x-key']).toBeUndefined();

    expect(isPng(image.png)).toBe(true);
    expect(image).toMatchObject({ width: 768, height: 512, seed: 7, cost: { amount: 2.5, unit: 'bfl-credits' } });
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 768, height: 512 });
  });

  it('converts JPEG and WebP samples to PNG', async () => {
    await fake.close();
    for (const sampleFormat of ['jpeg', 'webp'] as const) {
      fake = await FakeBflServer.start({ apiKey, sampleFormat });
      const image = await adapter().generate(generationInput({ width: 256, height: 320 }));
      expect(fake.downloads()).toHaveLength(1);
      expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 256, height: 320 });
      await fake.close();
    }
    fake = await FakeBflServer.start({ apiKey });
  });

  it('flux-pro and flux-1.1-pro use their own endpoints; 1.1 pro takes no steps', async () => {
    await adapter().generate(generationInput({ modelId: 'flux-pro', width: 512, height: 512 }));
    await adapter().generate(generationInput({ modelId: 'flux-1.1-pro', width: 512, height: 512 }));
    expect(fake.submissions().map((request) => request.path)).toEqual(['/v1/flux-pro', '/v1/flux-pro-1.1']);
    expect(fake.submittedBody(0).steps).toBe(25);
    expect(fake.submittedBody(1)).not.toHaveProperty('steps');
  });

  it('snaps a size to BFL multiples of 32 and resizes the result back to the requested size', async () => {
    const image = await adapter().generate(generationInput({ width: 500, height: 300 }));
    expect(fake.submittedBody()).toMatchObject({ width: 512, height: 288 });
    expect(await pngInfo(image.png)).toMatchObject({ width: 500, height: 300 });
  });

  it('inpaint goes to the fill endpoint with the base64 image and mask', async () => {
    const source = await testPng(320, 256);
    const mask = await rectangleMask(320, 256, { left: 32, top: 32, width: 64, height: 64 });
    const image = await adapter().generate(generationInput({ operation: 'inpaint', width: 320, height: 256, source, mask, steps: 4 }));
    expect(fake.submissions()[0]?.path).toBe('/v1/flux-pro-1.0-fill');
    const body = fake.submittedBody();
    expect(Buffer.from(String(body.image), 'base64').equals(source)).toBe(true);
    expect(Buffer.from(String(body.mask), 'base64').equals(mask)).toBe(true);
    expect(body).toMatchObject({ prompt: 'a lighthouse on a cliff at dusk', steps: 15, seed: 42, output_format: 'png' });
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 320, height: 256 });
  });

  it('outpaint goes to the expand endpoint with top/bottom/left/right and returns the larger canvas', async () => {
    const source = await testPng(256, 256);
    const outpaint = { left: 64, right: 32, top: 0, bottom: 128 };
    const image = await adapter().generate(generationInput({ operation: 'outpaint', width: 256, height: 256, source, outpaint }));
    expect(fake.submissions()[0]?.path).toBe('/v1/flux-pro-1.0-expand');
    expect(fake.submittedBody()).toMatchObject({ top: 0, bottom: 128, left: 64, right: 32, steps: 25 });
    expect(image).toMatchObject({ width: 352, height: 384 });
    expect(await pngInfo(image.png)).toMatchObject({ width: 352, height: 384 });
  });

  it('maps 429 to rate_limited with the Retry-After delay', async () => {
    fake.submitScript.push(bfl.rateLimited(2));
    const failure = await expectProviderError(adapter().generate(generationInput()), 'rate_limited');
    expect(failure.retryAfterMs).toBe(2_000);
    expect(failure.retryable).toBe(true);
  });

  it('maps 500 and 503 to server_error', async () => {
    fake.submitScript.push(bfl.serverError(), bfl.unavailable());
    await expectProviderError(adapter().generate(generationInput()), 'server_error');
    await expectProviderError(adapter().generate(generationInput()), 'server_error');
  });

  it('maps a network failure to server_error', async () => {
    const dead = new BlackForestLabsProvider({ apiKey, baseUrl: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    await expectProviderError(dead.generate(generationInput()), 'server_error');
  });

  it('a hanging submit ends at the deadline as timeout', async () => {
    fake.submitScript.push(bfl.hang());
    const started = Date.now();
    await expectProviderError(adapter({ timeoutMs: 200 }).generate(generationInput()), 'timeout');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a task that stays Pending ends at the deadline as timeout', async () => {
    fake.pendingPolls = 1_000_000;
    await expectProviderError(adapter({ timeoutMs: 150 }).generate(generationInput()), 'timeout');
    expect(fake.polls().length).toBeGreaterThan(1);
  });

  it.each([
    ['Request Moderated', bfl.requestModerated()],
    ['Content Moderated', bfl.contentModerated()],
  ])('maps %s to moderated (not retryable)', async (_status, behaviour) => {
    fake.pollScript.push(behaviour);
    const failure = await expectProviderError(adapter().generate(generationInput()), 'moderated');
    expect(failure.retryable).toBe(false);
    expect(fake.downloads()).toHaveLength(0);
  });

  it('maps the Error and Task not found statuses to server_error', async () => {
    fake.pollScript.push(bfl.taskError());
    await expectProviderError(adapter().generate(generationInput()), 'server_error');
    fake.pollScript.push(bfl.taskNotFound());
    await expectProviderError(adapter().generate(generationInput()), 'server_error');
  });

  it('rides out a few transient poll failures without resubmitting', async () => {
    fake.pollScript.push(bfl.serverError(), bfl.rateLimited(0));
    const image = await adapter().generate(generationInput({ width: 256, height: 256 }));
    expect(image.width).toBe(256);
    expect(fake.submissions()).toHaveLength(1);
    expect(fake.polls()).toHaveLength(3);
  });

  it('a missing or wrong key is rejected (403)', async () => {
    const missing = await expectProviderError(adapter({ apiKey: '' }).generate(generationInput()), 'rejected');
    expect(missing.message).toContain('403');
    expect(fake.submissions()[0]?.headers['x-key']).toBeUndefined();
    await expectProviderError(adapter({ apiKey: 'wrong' }).generate(generationInput()), 'rejected');
  });

  it('a request BFL finds invalid (422) is rejected', async () => {
    const source = await testPng(256, 256);
    const mask = await rectangleMask(128, 128, { left: 0, top: 0, width: 10, height: 10 });
    const failure = await expectProviderError(
      adapter().generate(generationInput({ operation: 'inpaint', width: 256, height: 256, source, mask })),
      'rejected',
    );
    expect(failure.message).toContain('422');
  });

  it('an expired sample URL is a server_error (worth a new task)', async () => {
    fake.sampleScript.push({ kind: 'http', status: 404, body: 'gone' });
    await expectProviderError(adapter().generate(generationInput()), 'server_error');
  });

  it('an abort while polling ends the call as aborted', async () => {
    fake.pendingPolls = 1_000_000;
    const controller = new AbortController();
    const call = adapter({ pollIntervalMs: 5 }).generate(generationInput({ signal: controller.signal }));
    await waitFor(() => fake.polls().length >= 2);
    controller.abort();
    await expectProviderError(call, 'aborted');
    const polls = fake.polls().length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake.polls().length).toBe(polls);
  });

  it('refuses what it does not run without calling BFL', async () => {
    await expectProviderError(adapter().generate(generationInput({ modelId: 'flux-schnell' })), 'rejected');
    await expectProviderError(adapter().generate(generationInput({ operation: 'inpaint' })), 'rejected');
    expect(fake.requests).toHaveLength(0);
  });

  it('the fake renders real images', async () => {
    const image = await adapter().generate(generationInput({ width: 256, height: 256, seed: 3 }));
    const stats = await sharp(image.png).stats();
    expect(stats.channels).toHaveLength(3);
  });

  describe('FLUX.2 [pro] and [flex], FLUX.1 Kontext [pro]', () => {
    it('FLUX.2 runs text-to-image and general edit; Kontext general edit only; neither inpaints', () => {
      const provider = adapter();
      for (const model of ['flux-2-pro', 'flux-2-flex']) {
        expect(provider.supports(model, 'text-to-image')).toBe(true);
        expect(provider.supports(model, 'general-edit')).toBe(true);
        expect(provider.supports(model, 'inpaint')).toBe(false);
      }
      expect(provider.supports('flux-kontext-pro', 'general-edit')).toBe(true);
      expect(provider.supports('flux-kontext-pro', 'text-to-image')).toBe(false);
      expect(provider.supports('flux-dev', 'general-edit')).toBe(false);
    });

    it('flux-2-pro text-to-image goes to /v1/flux-2-pro up to 2048 px, and records the cost BFL reports', async () => {
      const image = await adapter().generate(generationInput({ modelId: 'flux-2-pro', width: 1440, height: 1440, steps: null, seed: 11 }));
      expect(fake.submissions()[0]?.path).toBe('/v1/flux-2-pro');
      expect(fake.submittedBody()).toEqual({
        prompt: 'a lighthouse on a cliff at dusk',
        width: 1440,
        height: 1440,
        seed: 11,
        output_format: 'png',
        safety_tolerance: 2,
        prompt_upsampling: false,
      });
      // 2.07 MP: 3 credits for the first megapixel, 1.5 for each one after.
      expect(image).toMatchObject({ width: 1440, height: 1440, cost: { amount: 6, unit: 'bfl-credits' } });
      const wide = await adapter().generate(generationInput({ modelId: 'flux-2-pro', width: 2048, height: 1024, steps: null }));
      expect(fake.submittedBody(1)).toMatchObject({ width: 2048, height: 1024 });
      expect(await pngInfo(wide.png)).toMatchObject({ width: 2048, height: 1024 });
    });

    it('flux-2-flex general edit sends the source as input_image with its size; the cost counts the input megapixels', async () => {
      const source = await testPng(1024, 768);
      const image = await adapter().generate(generationInput({ modelId: 'flux-2-flex', operation: 'general-edit', width: 1024, height: 768, steps: null, source, prompt: 'make it snow' }));
      expect(fake.submissions()[0]?.path).toBe('/v1/flux-2-flex');
      const body = fake.submittedBody();
      expect(Buffer.from(String(body.input_image), 'base64').equals(source)).toBe(true);
      expect(body).toMatchObject({ prompt: 'make it snow', width: 1024, height: 768, output_format: 'png' });
      expect(image).toMatchObject({ width: 1024, height: 768, cost: { amount: 10, unit: 'bfl-credits' } });
    });

    it('a FLUX.2 edit of a source over 4 MP asks for at most 4 MP and brings the result back to the source size', async () => {
      const source = await testPng(3000, 2000);
      const image = await adapter().generate(generationInput({ modelId: 'flux-2-pro', operation: 'general-edit', width: 3000, height: 2000, steps: null, source }));
      const body = fake.submittedBody();
      const width = Number(body.width);
      const height = Number(body.height);
      expect(width * height).toBeLessThanOrEqual(4_000_000);
      expect(width % 32).toBe(0);
      expect(height % 32).toBe(0);
      expect(await pngInfo(image.png)).toMatchObject({ width: 3000, height: 2000 });
    });

    it('Kontext edits with input_image and the source aspect ratio (within 21:9..9:21), at its flat cost', async () => {
      expect(kontextAspectRatio(1024, 768)).toBe('4:3');
      expect(kontextAspectRatio(3000, 1000)).toBe('21:9');
      expect(kontextAspectRatio(500, 2000)).toBe('9:21');
      const source = await testPng(640, 480);
      const image = await adapter().generate(generationInput({ modelId: 'flux-kontext-pro', operation: 'general-edit', width: 640, height: 480, steps: null, source, prompt: 'turn the square into a window' }));
      expect(fake.submissions()[0]?.path).toBe('/v1/flux-kontext-pro');
      const body = fake.submittedBody();
      expect(body).toMatchObject({ prompt: 'turn the square into a window', aspect_ratio: '4:3', output_format: 'png' });
      expect(body).not.toHaveProperty('width');
      expect(Buffer.from(String(body.input_image), 'base64').equals(source)).toBe(true);
      expect(image).toMatchObject({ width: 640, height: 480, cost: { amount: 4, unit: 'bfl-credits' } });
    });

    it('a moderated Kontext edit is moderated', async () => {
      fake.pollScript.push(bfl.contentModerated());
      const source = await testPng(256, 256);
      await expectProviderError(adapter().generate(generationInput({ modelId: 'flux-kontext-pro', operation: 'general-edit', width: 256, height: 256, steps: null, source })), 'moderated');
    });
  });
});
