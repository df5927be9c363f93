import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  defaultUpscalePrompt,
  nearestAspectRatio,
  StabilityProvider,
  stabilityLimits,
  type StabilityOptions,
} from '../../src/providers/stability.provider.js';
import type { Operation } from '@atelier/pricing';
import { FakeStabilityServer, stability } from './fakes/fake-stability-server.js';
import { expectProviderError, generationInput, isPng, pngInfo, rectangleMask, testPng, waitFor } from './helpers.js';

const apiKey = 'sk-stability-test';

describe('nearestAspectRatio', () => {
  it.each([
    [1024, 1024, '1:1'],
    [1920, 1080, '16:9'],
    [1080, 1920, '9:16'],
    [1216, 832, '3:2'],
    [1000, 800, '5:4'],
    [800, 1000, '4:5'],
    [2560, 1080, '21:9'],
    [512, 1536, '9:21'],
    [1024, 1536, '2:3'],
  ])('%i×%i → %s', (width, height, ratio) => {
    expect(nearestAspectRatio(width, height)).toBe(ratio);
  });
});

describe('StabilityProvider against a fake Stability API', () => {
  let fake: FakeStabilityServer;
  const adapter = (options: Partial<StabilityOptions> = {}): StabilityProvider =>
    new StabilityProvider({ apiKey, baseUrl: fake.baseUrl, pollIntervalMs: 2, timeoutMs: 5_000, ...options });

  beforeEach(async () => {
    fake = await FakeStabilityServer.start({ apiKey });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('supports the stability models and their operations only', () => {
    const provider = adapter();
    for (const model of ['stability-ultra', 'stability-core', 'stability-sd3.5-large', 'stability-sd3.5-large-turbo', 'stability-sd3.5-medium']) {
      expect(provider.supports(model, 'text-to-image')).toBe(true);
      expect(provider.supports(model, 'inpaint')).toBe(false);
    }
    const edits: Operation[] = ['remove-background', 'inpaint', 'outpaint', 'search-and-replace', 'search-and-recolor', 'replace-background-and-relight'];
    for (const operation of edits) expect(provider.supports('stability-edit', operation)).toBe(true);
    expect(provider.supports('stability-edit', 'general-edit')).toBe(false);
    for (const operation of ['upscale-fast', 'upscale-conservative', 'upscale-creative'] as const) expect(provider.supports('stability-upscale', operation)).toBe(true);
    expect(provider.supports('flux-dev', 'text-to-image')).toBe(false);
    expect(provider.supports('imagen-4', 'text-to-image')).toBe(false);
  });

  it.each([
    ['stability-ultra', '/v2beta/stable-image/generate/ultra'],
    ['stability-core', '/v2beta/stable-image/generate/core'],
  ])('%s text-to-image: multipart with Bearer auth, nearest aspect ratio, resized to the requested size', async (modelId, path) => {
    const image = await adapter().generate(generationInput({ modelId, width: 1024, height: 576, seed: 99, negativePrompt: 'blurry' }));
    const form = fake.form();
    expect(form.request.path).toBe(path);
    expect(form.request.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(form.request.headers.accept).toBe('image/*');
    expect(form.request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(form.fields).toEqual({
      prompt: 'a lighthouse on a cliff at dusk',
      aspect_ratio: '16:9',
      seed: '99',
      output_format: 'png',
      negative_prompt: 'blurry',
    });
    expect(isPng(image.png)).toBe(true);
    expect(image).toMatchObject({ width: 1024, height: 576, seed: 99 });
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 1024, height: 576 });
  });

  it.each([
    ['stability-sd3.5-large', 'sd3.5-large', true],
    ['stability-sd3.5-large-turbo', 'sd3.5-large-turbo', false],
    ['stability-sd3.5-medium', 'sd3.5-medium', true],
  ])('%s goes to the sd3 endpoint with model %s', async (modelId, model, negative) => {
    const image = await adapter().generate(generationInput({ modelId, width: 640, height: 960, negativePrompt: 'text' }));
    const form = fake.form();
    expect(form.request.path).toBe('/v2beta/stable-image/generate/sd3');
    expect(form.fields).toMatchObject({ model, mode: 'text-to-image', aspect_ratio: '2:3' });
    expect(form.fields.negative_prompt).toBe(negative ? 'text' : undefined);
    expect(await pngInfo(image.png)).toMatchObject({ width: 640, height: 960 });
  });

  it('returns the seed Stability used when it chose one (seed 0 = random)', async () => {
    const image = await adapter().generate(generationInput({ modelId: 'stability-core', seed: 0, width: 512, height: 512 }));
    expect(fake.form().fields.seed).toBe('0');
    expect(image.seed).toBe(1234567);
  });

  it('inpaint sends image, mask and prompt; the result is the source size', async () => {
    const source = await testPng(200, 150);
    const mask = await rectangleMask(200, 150, { left: 10, top: 10, width: 50, height: 40 });
    const image = await adapter().generate(
      generationInput({ modelId: 'stability-edit', operation: 'inpaint', width: 200, height: 150, source, mask, seed: 5 }),
    );
    const form = fake.form();
    expect(form.request.path).toBe('/v2beta/stable-image/edit/inpaint');
    expect(form.files.image?.bytes.equals(source)).toBe(true);
    expect(form.files.image?.type).toBe('image/png');
    expect(form.files.mask?.bytes.equals(mask)).toBe(true);
    expect(form.fields).toEqual({ prompt: 'a lighthouse on a cliff at dusk', seed: '5', output_format: 'png' });
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 200, height: 150 });
  });

  it('outpaint sends left/right/up/down and returns the larger canvas', async () => {
    const source = await testPng(100, 80);
    const outpaint = { left: 20, right: 0, top: 10, bottom: 30 };
    const image = await adapter().generate(generationInput({ modelId: 'stability-edit', operation: 'outpaint', width: 100, height: 80, source, outpaint }));
    const form = fake.form();
    expect(form.request.path).toBe('/v2beta/stable-image/edit/outpaint');
    expect(form.fields).toMatchObject({ left: '20', up: '10', down: '30', prompt: 'a lighthouse on a cliff at dusk' });
    expect(form.fields.right).toBeUndefined();
    expect(image).toMatchObject({ width: 120, height: 120 });
    expect(await pngInfo(image.png)).toMatchObject({ width: 120, height: 120 });
  });

  it('remove-background returns a PNG with alpha of the source size', async () => {
    const source = await testPng(90, 60);
    const image = await adapter().generate(generationInput({ modelId: 'stability-edit', operation: 'remove-background', width: 90, height: 60, source }));
    expect(fake.form().request.path).toBe('/v2beta/stable-image/edit/remove-background');
    expect(Object.keys(fake.form().files)).toEqual(['image']);
    expect(await pngInfo(image.png)).toMatchObject({ width: 90, height: 60, hasAlpha: true });
  });

  it.each([
    ['search-and-replace', 'search_prompt'],
    ['search-and-recolor', 'select_prompt'],
  ] as const)('%s sends the search words as %s', async (operation, field) => {
    const source = await testPng(64, 64);
    const image = await adapter().generate(
      generationInput({ modelId: 'stability-edit', operation, width: 64, height: 64, source, prompt: 'a golden cat', searchPrompt: 'the dog' }),
    );
    const form = fake.form();
    expect(form.request.path).toBe(`/v2beta/stable-image/edit/${operation}`);
    expect(form.fields).toMatchObject({ prompt: 'a golden cat', [field]: 'the dog' });
    expect(await pngInfo(image.png)).toMatchObject({ width: 64, height: 64 });
  });

  it('replace-background-and-relight is async: polls /v2beta/results/{id} through 202s', async () => {
    fake.pendingPolls = 2;
    const source = await testPng(128, 96);
    const image = await adapter().generate(
      generationInput({ modelId: 'stability-edit', operation: 'replace-background-and-relight', width: 128, height: 96, source, prompt: 'a beach at noon' }),
    );
    const form = fake.form();
    expect(form.request.path).toBe('/v2beta/stable-image/edit/replace-background-and-relight');
    expect(form.files.subject_image?.bytes.equals(source)).toBe(true);
    expect(form.fields).toMatchObject({ background_prompt: 'a beach at noon' });
    expect(fake.polls()).toHaveLength(3);
    expect(fake.polls()[0]?.path).toMatch(/^\/v2beta\/results\/[0-9a-f]{64}$/);
    expect(fake.polls()[0]?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(await pngInfo(image.png)).toMatchObject({ width: 128, height: 96 });
  });

  it('upscale-fast returns the provider’s 4× image', async () => {
    const source = await testPng(64, 48);
    const image = await adapter().generate(generationInput({ modelId: 'stability-upscale', operation: 'upscale-fast', width: 64, height: 48, source }));
    expect(fake.form().request.path).toBe('/v2beta/stable-image/upscale/fast');
    expect(fake.form().fields).toEqual({ output_format: 'png' });
    expect(image).toMatchObject({ width: 256, height: 192 });
  });

  it('upscale-conservative needs a prompt: the job’s, else a neutral one', async () => {
    const source = await testPng(64, 64);
    const image = await adapter().generate(
      generationInput({ modelId: 'stability-upscale', operation: 'upscale-conservative', width: 64, height: 64, source, prompt: '' }),
    );
    expect(fake.form().request.path).toBe('/v2beta/stable-image/upscale/conservative');
    expect(fake.form().fields.prompt).toBe(defaultUpscalePrompt);
    expect(image).toMatchObject({ width: 2048, height: 2048 });
    expect(await pngInfo(image.png)).toMatchObject({ width: 2048, height: 2048 });
  });

  it('upscale-creative is async and polled', async () => {
    fake.pendingPolls = 1;
    const source = await testPng(32, 32);
    const image = await adapter().generate(generationInput({ modelId: 'stability-upscale', operation: 'upscale-creative', width: 32, height: 32, source }));
    expect(fake.form().request.path).toBe('/v2beta/stable-image/upscale/creative');
    expect(fake.form().fields.prompt).toBe('a lighthouse on a cliff at dusk');
    expect(fake.polls()).toHaveLength(2);
    expect(image).toMatchObject({ width: 2048, height: 2048 });
  });

  it('maps 429 to rate_limited with Retry-After, or Stability’s 60 s lock-out when there is none', async () => {
    fake.requestScript.push(stability.rateLimited(3), stability.rateLimited());
    const withHeader = await expectProviderError(adapter().generate(generationInput({ modelId: 'stability-core' })), 'rate_limited');
    expect(withHeader.retryAfterMs).toBe(3_000);
    const withoutHeader = await expectProviderError(adapter().generate(generationInput({ modelId: 'stability-core' })), 'rate_limited');
    expect(withoutHeader.retryAfterMs).toBe(stabilityLimits.rateLimitPauseMs);
  });

  it('maps 500 to server_error', async () => {
    fake.requestScript.push(stability.serverError());
    await expectProviderError(adapter().generate(generationInput({ modelId: 'stability-core' })), 'server_error');
  });

  it('a hanging request ends at the deadline as timeout', async () => {
    fake.requestScript.push(stability.hang());
    await expectProviderError(adapter({ timeoutMs: 200 }).generate(generationInput({ modelId: 'stability-ultra' })), 'timeout');
  });

  it('a hanging poll ends at the deadline as timeout', async () => {
    fake.pollScript.push(stability.hang());
    const source = await testPng(32, 32);
    await expectProviderError(
      adapter({ timeoutMs: 200 }).generate(generationInput({ modelId: 'stability-upscale', operation: 'upscale-creative', width: 32, height: 32, source })),
      'timeout',
    );
  });

  it('maps 403 content_moderation to moderated, any other 403 to rejected', async () => {
    fake.requestScript.push(stability.moderated(), stability.forbidden());
    const moderated = await expectProviderError(adapter().generate(generationInput({ modelId: 'stability-core' })), 'moderated');
    expect(moderated.retryable).toBe(false);
    await expectProviderError(adapter().generate(generationInput({ modelId: 'stability-core' })), 'rejected');
  });

  it('maps finish-reason CONTENT_FILTERED to moderated, on a direct answer and on a polled one', async () => {
    fake.requestScript.push(stability.filtered());
    await expectProviderError(adapter().generate(generationInput({ modelId: 'stability-core' })), 'moderated');
    fake.pollScript.push(stability.filtered());
    const source = await testPng(32, 32);
    await expectProviderError(
      adapter().generate(generationInput({ modelId: 'stability-upscale', operation: 'upscale-creative', width: 32, height: 32, source })),
      'moderated',
    );
  });

  it('a missing or wrong key is rejected (401)', async () => {
    const missing = await expectProviderError(adapter({ apiKey: '' }).generate(generationInput({ modelId: 'stability-core' })), 'rejected');
    expect(missing.message).toContain('401');
    expect(fake.requests[0]?.headers.authorization).toBeUndefined();
    await expectProviderError(adapter({ apiKey: 'sk-wrong' }).generate(generationInput({ modelId: 'stability-core' })), 'rejected');
  });

  it('a request Stability finds invalid (400) is rejected', async () => {
    const source = await testPng(64, 64);
    const failure = await expectProviderError(
      adapter().generate(generationInput({ modelId: 'stability-edit', operation: 'inpaint', width: 64, height: 64, source, mask: source, prompt: '' })),
      'rejected',
    );
    expect(failure.message).toContain('prompt');
  });

  it('rides out a transient poll failure without resubmitting', async () => {
    fake.pendingPolls = 1;
    fake.pollScript.push(stability.serverError());
    const source = await testPng(32, 32);
    await adapter().generate(generationInput({ modelId: 'stability-upscale', operation: 'upscale-creative', width: 32, height: 32, source }));
    expect(fake.forms).toHaveLength(1);
    expect(fake.polls()).toHaveLength(3);
  });

  it('an abort while polling ends the call as aborted', async () => {
    fake.pendingPolls = 1_000_000;
    const controller = new AbortController();
    const source = await testPng(32, 32);
    const call = adapter({ pollIntervalMs: 5 }).generate(
      generationInput({ modelId: 'stability-upscale', operation: 'upscale-creative', width: 32, height: 32, source, signal: controller.signal }),
    );
    await waitFor(() => fake.polls().length >= 2);
    controller.abort();
    await expectProviderError(call, 'aborted');
  });

  it('refuses what it cannot send without calling Stability', async () => {
    const source = await testPng(32, 32);
    await expectProviderError(adapter().generate(generationInput({ modelId: 'stability-edit', operation: 'search-and-replace', source })), 'rejected');
    await expectProviderError(
      adapter().generate(generationInput({ modelId: 'stability-edit', operation: 'outpaint', source, outpaint: { left: 2001, right: 0, top: 0, bottom: 0 } })),
      'rejected',
    );
    await expectProviderError(adapter().generate(generationInput({ modelId: 'flux-dev' })), 'rejected');
    expect(fake.requests).toHaveLength(0);
  });
});
