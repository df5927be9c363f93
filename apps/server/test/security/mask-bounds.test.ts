import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { jobLimits, type MaskStroke } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { buildWorld, expectStatus, type OrganizationWorld } from '../world.js';

// A spy that renders for real: the tests count how often a mask was rendered.
vi.mock('../../src/jobs/mask-render.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/jobs/mask-render.js')>();
  return { ...actual, renderMask: vi.fn(actual.renderMask) };
});
const { renderMask } = await import('../../src/jobs/mask-render.js');

const inpaint = { operation: 'inpaint', model: 'flux-schnell', steps: 4 };
const stroke = (points: number): MaskStroke => ({ tool: 'brush', width: 40, points: Array.from({ length: points }, (_, index) => (index * 13) % 512) });

describe('mask bounds, and the price checked before a mask is rendered', () => {
  let server: TestApp;
  let world: OrganizationWorld;

  beforeAll(async () => {
    server = await startTestApp();
    world = await buildWorld(server, 'mask-bounds');
  });
  beforeEach(() => {
    vi.mocked(renderMask).mockClear();
  });
  afterAll(async () => {
    await server.close();
  });

  const submit = (maskStrokes: MaskStroke[], client = world.members.member.client): ReturnType<typeof client.post> =>
    client.post(`/orgs/${world.organization.id}/jobs`, { request: inpaint, prompt: 'a red door', sourceAssetId: world.assetId, maskStrokes });

  it.each([
    ['too many strokes', Array.from({ length: jobLimits.maskStrokes + 1 }, () => stroke(2)), 'maskStrokes'],
    ['a stroke with too many points', [stroke(jobLimits.maskPointsPerStroke + 2)], 'maskStrokes.0.points'],
    ['too many points in all', Array.from({ length: Math.ceil(jobLimits.maskTotalPoints / 3_000) + 1 }, () => stroke(3_000)), 'maskStrokes'],
    ['a mask too large as JSON', Array.from({ length: 20 }, () => ({ ...stroke(0), points: Array.from({ length: 1_900 }, () => 123.456789012345) })), 'maskStrokes'],
  ])('refuses %s with 400 naming the field, without rendering', async (_label, strokes, field) => {
    const response = await submit(strokes);
    expect({ status: response.status, body: response.body }).toMatchObject({ status: 400, body: { code: 'invalid_request', field } });
    expect(renderMask).not.toHaveBeenCalled();
  });

  it('refuses an unaffordable inpaint before rendering its mask, and renders an affordable one', async () => {
    const { owner, member } = world.members;
    expectStatus(await owner.client.put(`/orgs/${world.organization.id}/members/${member.userId}/budget`, { limitCredits: 1, period: 'month' }), 200);
    const refused = await submit([stroke(40)]);
    expect({ status: refused.status, body: refused.body }).toMatchObject({ status: 402, body: { code: 'budget_exceeded' } });
    expect(renderMask).not.toHaveBeenCalled();

    const wrongModel = await member.client.post(`/orgs/${world.organization.id}/jobs`, { request: { ...inpaint, model: 'no-such-model' }, prompt: 'x', sourceAssetId: world.assetId, maskStrokes: [stroke(40)] });
    expect(wrongModel.status).toBe(400);
    expect(renderMask).not.toHaveBeenCalled();

    expectStatus(await owner.client.put(`/orgs/${world.organization.id}/members/${member.userId}/budget`, { limitCredits: null, period: 'month' }), 200);
    expectStatus(await submit([stroke(40)]), 201);
    expect(renderMask).toHaveBeenCalledTimes(1);
  });
});
