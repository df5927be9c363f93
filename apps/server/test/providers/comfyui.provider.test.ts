import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { builtInComfyWorkflowsDir, checkComfyWorkflow, fillComfyWorkflow, loadComfyWorkflows } from '../../src/providers/comfyui-workflows.js';
import { ComfyUiProvider, type ComfyUiOptions } from '../../src/providers/comfyui.provider.js';
import { adapterContract } from './adapter-contract.js';
import { FakeComfyUiServer } from './fakes/fake-comfyui-server.js';
import { expectProviderError, generationInput, pngInfo, rectangleMask, testPng, waitFor } from './helpers.js';

const workflows = loadComfyWorkflows(builtInComfyWorkflowsDir);
const models = ['flux-dev', 'stability-upscale'];

describe('ComfyUiProvider against a fake ComfyUI server', () => {
  const provider = (fake: FakeComfyUiServer, options: Partial<ComfyUiOptions> = {}): ComfyUiProvider =>
    new ComfyUiProvider({ baseUrl: fake.baseUrl, models, workflows, pollIntervalMs: 5, timeoutMs: 5_000, ...options });

  it('ships one template per operation kind, each in API format with a SaveImage node', () => {
    expect(Object.keys(workflows).sort()).toEqual(['inpaint', 'outpaint', 'text-to-image', 'upscale']);
    expect(() => checkComfyWorkflow({ nodes: [], links: [] }, 'ui.json')).toThrow(/API format/);
    expect(() => checkComfyWorkflow({ '1': { class_type: 'SaveImage', inputs: { filename_prefix: '{{colour}}' } } }, 'odd.json')).toThrow(/unknown placeholder \{\{colour\}\}/);
  });

  it('fills placeholders with typed values, and inside longer text', () => {
    const filled = fillComfyWorkflow(
      { '1': { class_type: 'KSampler', inputs: { seed: '{{seed}}', note: 'a {{prompt}}, detailed', model: ['2', 0] } } },
      { seed: 7, prompt: 'fox' },
    );
    expect(filled['1']?.inputs).toEqual({ seed: 7, note: 'a fox, detailed', model: ['2', 0] });
  });

  it('serves the configured models for the operations it has templates for', () => {
    const comfy = new ComfyUiProvider({ baseUrl: 'http://127.0.0.1:1', models, workflows: { 'text-to-image': workflows['text-to-image'] } });
    expect(comfy.supports('flux-dev', 'text-to-image')).toBe(true);
    expect(comfy.supports('flux-dev', 'inpaint')).toBe(false);
    expect(comfy.supports('flux-pro', 'text-to-image')).toBe(false);
    const full = new ComfyUiProvider({ baseUrl: 'http://127.0.0.1:1', models, workflows });
    expect(full.supports('stability-upscale', 'upscale-fast')).toBe(true);
    expect(full.supports('flux-dev', 'remove-background')).toBe(false);
  });

  const { fake } = adapterContract({
    start: () => FakeComfyUiServer.start({ token: 'proxy-token' }),
    adapter: (server, options) => provider(server, { timeoutMs: options.timeoutMs, ...(options.apiKey === undefined ? {} : { token: options.apiKey }) }),
    input: () => generationInput({ modelId: 'flux-dev', width: 512, height: 384, steps: 20, seed: 5 }),
    size: { width: 512, height: 384 },
    // A team's own GPU has no content filter of its own: nothing refuses a prompt.
    moderates: false,
  });

  it('text-to-image: queues the template with our prompt, size, seed and steps, and reports progress from the websocket', async () => {
    const progress: number[] = [];
    const image = await provider(fake()).generate(generationInput({ modelId: 'flux-dev', width: 768, height: 512, steps: 28, seed: 99, negativePrompt: 'blur', onProgress: (fraction) => progress.push(fraction) }));
    const { prompt, client_id: clientId } = fake().queued();
    expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(prompt['2']?.inputs.text).toBe('a lighthouse on a cliff at dusk');
    expect(prompt['3']?.inputs.text).toBe('blur');
    expect(prompt['4']?.inputs).toMatchObject({ width: 768, height: 512 });
    expect(prompt['5']?.inputs).toMatchObject({ seed: 99, steps: 28 });
    expect(progress).toEqual(expect.arrayContaining([0.25, 0.5, 0.75, 1]));
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', width: 768, height: 512 });
    expect(fake().requests('download')[0]?.query.get('type')).toBe('output');
  });

  it('finishes from /history alone when the websocket says nothing', async () => {
    fake().websocketEvents = false;
    fake().pendingPolls = 2;
    const image = await provider(fake()).generate(generationInput({ modelId: 'flux-dev', width: 256, height: 256 }));
    expect(image.width).toBe(256);
    expect(fake().requests('poll')).toHaveLength(3);
  });

  it('inpaint uploads the source and our mask (white = repaint, read by LoadImageMask) and returns the source size', async () => {
    const source = await testPng(320, 256);
    const mask = await rectangleMask(320, 256, { left: 10, top: 10, width: 50, height: 50 });
    const image = await provider(fake()).generate(generationInput({ modelId: 'flux-dev', operation: 'inpaint', width: 320, height: 256, source, mask }));
    expect(fake().requests('upload')).toHaveLength(2);
    const { prompt } = fake().queued();
    expect(fake().uploads.get(String(prompt['4']?.inputs.image))?.equals(source)).toBe(true);
    expect(fake().uploads.get(String(prompt['5']?.inputs.image))?.equals(mask)).toBe(true);
    expect(prompt['5']?.inputs.channel).toBe('red');
    expect(await pngInfo(image.png)).toMatchObject({ width: 320, height: 256 });
  });

  it('outpaint maps the geometry onto ImagePadForOutpaint and returns the larger canvas', async () => {
    const source = await testPng(256, 256);
    const image = await provider(fake()).generate(generationInput({ modelId: 'flux-dev', operation: 'outpaint', width: 256, height: 256, source, outpaint: { left: 64, right: 0, top: 32, bottom: 0 } }));
    expect(fake().queued().prompt['5']?.inputs).toMatchObject({ left: 64, right: 0, top: 32, bottom: 0 });
    expect(await pngInfo(image.png)).toMatchObject({ width: 320, height: 288 });
  });

  it('upscale runs the upscale template and keeps its 4× size', async () => {
    const source = await testPng(100, 80);
    const image = await provider(fake()).generate(generationInput({ modelId: 'stability-upscale', operation: 'upscale-fast', width: 100, height: 80, steps: null, source }));
    expect(await pngInfo(image.png)).toMatchObject({ width: 400, height: 320 });
  });

  it('a workflow the server refuses (400 node_errors, e.g. a missing node) is rejected, naming it', async () => {
    const broken = { ...workflows, 'text-to-image': checkComfyWorkflow({ '1': { class_type: 'FancyNode', inputs: {} }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0] } } }, 'broken') };
    const failure = await expectProviderError(provider(fake(), { workflows: broken }).generate(generationInput({ modelId: 'flux-dev' })), 'rejected');
    expect(failure.message).toMatch(/400.*Prompt outputs failed validation/);
  });

  it('an execution error (out of GPU memory) is a server_error with its message', async () => {
    fake().outcomes.push('failed');
    const failure = await expectProviderError(provider(fake()).generate(generationInput({ modelId: 'flux-dev' })), 'server_error');
    expect(failure.message).toMatch(/CUDA out of memory/);
  });

  it('a cancel while it runs stops polling', async () => {
    fake().pendingPolls = 1_000_000;
    fake().websocketEvents = false;
    const controller = new AbortController();
    const call = provider(fake()).generate(generationInput({ modelId: 'flux-dev', signal: controller.signal }));
    await waitFor(() => fake().requests('poll').length >= 2);
    controller.abort();
    await expectProviderError(call, 'aborted');
    const polls = fake().requests('poll').length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(fake().requests('poll').length).toBe(polls);
  });

  it('the fake renders real images', async () => {
    const image = await provider(fake()).generate(generationInput({ modelId: 'flux-dev', width: 128, height: 128 }));
    expect((await sharp(image.png).stats()).channels).toHaveLength(3);
  });
});
