import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { costOf, nearestGptImageSize, OpenAiProvider, openAiMask, removeBackgroundPrompt } from '../../src/providers/openai.provider.js';
import { syncAdapterContract } from './adapter-contract.js';
import { behaviour } from './fakes/fake-async-provider.js';
import { FakeOpenAiServer } from './fakes/fake-openai-server.js';
import { expectProviderError, generationInput, pngInfo, rectangleMask, testPng } from './helpers.js';

const apiKey = 'sk-test-key';

describe('OpenAiProvider (gpt-image-1) against a fake Images API', () => {
  it('runs gpt-image-1 text-to-image, inpaint, general edit and background removal only', () => {
    const provider = new OpenAiProvider({ apiKey, baseUrl: 'http://127.0.0.1:1' });
    for (const operation of ['text-to-image', 'inpaint', 'general-edit', 'remove-background'] as const) expect(provider.supports('gpt-image-1', operation)).toBe(true);
    expect(provider.supports('gpt-image-1', 'outpaint')).toBe(false);
    expect(provider.supports('flux-dev', 'text-to-image')).toBe(false);
  });

  it('maps any size to the nearest of the three sizes gpt-image-1 makes', () => {
    expect(nearestGptImageSize(1024, 1024)).toBe('1024x1024');
    expect(nearestGptImageSize(1536, 1024)).toBe('1536x1024');
    expect(nearestGptImageSize(1920, 1080)).toBe('1536x1024');
    expect(nearestGptImageSize(800, 1400)).toBe('1024x1536');
    expect(nearestGptImageSize(1100, 1000)).toBe('1024x1024');
  });

  const { fake } = syncAdapterContract({
    start: () => FakeOpenAiServer.start(apiKey),
    adapter: (server, options) => new OpenAiProvider({ apiKey, baseUrl: server.baseUrl, ...options }),
    input: () => generationInput({ modelId: 'gpt-image-1', width: 1536, height: 1024, steps: null }),
    size: { width: 1536, height: 1024 },
  });
  const adapter = () => new OpenAiProvider({ apiKey, baseUrl: fake().baseUrl, timeoutMs: 5_000 });

  it('text-to-image sends the documented JSON with the bearer key and records the token cost in dollars', async () => {
    const image = await adapter().generate(generationInput({ modelId: 'gpt-image-1', width: 1024, height: 1024, steps: null, seed: 9 }));
    const [request] = fake().calls();
    expect(request?.path).toBe('/v1/images/generations');
    expect(request?.headers.authorization).toBe(`Bearer ${apiKey}`);
    expect(JSON.parse(request?.body.toString('utf8') ?? '{}')).toEqual({
      model: 'gpt-image-1',
      prompt: 'a lighthouse on a cliff at dusk',
      n: 1,
      size: '1024x1024',
      quality: 'medium',
      background: 'auto',
      output_format: 'png',
      moderation: 'auto',
    });
    // 20 text tokens at $5/M + 1056 image output tokens at $40/M.
    expect(image).toMatchObject({ width: 1024, height: 1024, seed: 9, cost: { amount: 0.04234, unit: 'usd' } });
  });

  it('a size between the three is made at the nearest and brought to the asked size', async () => {
    const image = await adapter().generate(generationInput({ modelId: 'gpt-image-1', width: 1280, height: 768, steps: null }));
    expect((await fake().read()).fields.size).toBe('1536x1024');
    expect(await pngInfo(image.png)).toMatchObject({ width: 1280, height: 768 });
  });

  it('masked edit: multipart to /v1/images/edits with the source and our mask as transparent pixels where we repaint', async () => {
    const source = await testPng(640, 480);
    const mask = await rectangleMask(640, 480, { left: 100, top: 50, width: 200, height: 100 });
    const image = await adapter().generate(generationInput({ modelId: 'gpt-image-1', operation: 'inpaint', width: 640, height: 480, steps: null, source, mask, prompt: 'a red balloon' }));
    const call = await fake().read();
    expect(call.path).toBe('/v1/images/edits');
    expect(fake().calls()[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(call.fields).toMatchObject({ model: 'gpt-image-1', prompt: 'a red balloon', n: '1', size: '1536x1024', background: 'auto', output_format: 'png' });
    expect(call.files.image?.bytes.equals(source)).toBe(true);
    const sent = call.files.mask;
    expect(sent?.type).toBe('image/png');
    const { data, info } = await sharp(sent?.bytes).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 640, height: 480, channels: 4 });
    const alphaAt = (x: number, y: number) => data[(y * 640 + x) * 4 + 3];
    expect(alphaAt(150, 100)).toBe(0); // inside the white rectangle: transparent = edit here
    expect(alphaAt(10, 10)).toBe(255); // outside: opaque = keep
    expect(alphaAt(639, 479)).toBe(255);
    expect(await pngInfo(image.png)).toMatchObject({ width: 640, height: 480 });
    // The edit's image input is priced too: 323 image tokens at $10/M.
    expect(image.cost).toEqual({ amount: 0.04557, unit: 'usd' });
  });

  it('grey in our mask becomes partial transparency; a mask of another size is scaled to the source', async () => {
    const grey = await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 128, g: 128, b: 128 } } }).png().toBuffer();
    const converted = await openAiMask(grey, { width: 40, height: 20 });
    const { data, info } = await sharp(converted).raw().toBuffer({ resolveWithObject: true });
    expect(info).toMatchObject({ width: 40, height: 20, channels: 4 });
    expect(data[3]).toBe(127);
  });

  it('background removal asks for a transparent background and returns a PNG with alpha', async () => {
    const source = await testPng(512, 512);
    const image = await adapter().generate(generationInput({ modelId: 'gpt-image-1', operation: 'remove-background', width: 512, height: 512, steps: null, source, prompt: '' }));
    const call = await fake().read();
    expect(call.fields).toMatchObject({ background: 'transparent', output_format: 'png', prompt: removeBackgroundPrompt });
    expect(call.files.mask).toBeUndefined();
    const info = await pngInfo(image.png);
    expect(info).toMatchObject({ width: 512, height: 512, hasAlpha: true });
    const { data } = await sharp(image.png).raw().toBuffer({ resolveWithObject: true });
    expect(data[(500 * 512 + 500) * 4 + 3]).toBe(0); // a corner of the background is transparent
  });

  it('general edit sends the source without a mask', async () => {
    const source = await testPng(768, 512);
    await adapter().generate(generationInput({ modelId: 'gpt-image-1', operation: 'general-edit', width: 768, height: 512, steps: null, source, prompt: 'make it winter' }));
    const call = await fake().read();
    expect(call.fields).toMatchObject({ prompt: 'make it winter', size: '1536x1024', background: 'auto' });
    expect(call.files.mask).toBeUndefined();
  });

  it('429 insufficient_quota is rejected (no retry can help); a plain 429 stays rate_limited', async () => {
    fake().script.push({ kind: 'http', status: 429, body: { error: { message: 'You exceeded your current quota.', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } } });
    await expectProviderError(adapter().generate(generationInput({ modelId: 'gpt-image-1', steps: null })), 'rejected');
    fake().script.push(behaviour.rateLimited(1, { error: { message: 'Rate limit reached', type: 'requests', param: null, code: 'rate_limit_exceeded' } }));
    await expectProviderError(adapter().generate(generationInput({ modelId: 'gpt-image-1', steps: null })), 'rate_limited');
  });

  it('a moderation refusal says so; a request OpenAI finds invalid is rejected', async () => {
    fake().outcomes.push('moderated');
    const refusal = await expectProviderError(adapter().generate(generationInput({ modelId: 'gpt-image-1', steps: null })), 'moderated');
    expect(refusal.message).toMatch(/safety system/);
    const source = await testPng(64, 64);
    await expectProviderError(adapter().generate(generationInput({ modelId: 'gpt-image-1', operation: 'inpaint', steps: null, source })), 'rejected');
    expect(fake().calls()).toHaveLength(1);
  });

  it('costOf reads usage, and is absent without it', () => {
    expect(costOf({ data: [] })).toBeUndefined();
    expect(costOf({ usage: { input_tokens: 100, output_tokens: 4160 } })).toEqual({ amount: 0.1669, unit: 'usd' });
  });
});
