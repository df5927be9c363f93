import { ledgerOf } from './ledger-of.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import pg from 'pg';
import sharp from 'sharp';
import type { GalleryPage, JobView, OrganizationView, PoolView, SubmittedJobView } from '@atelier/contracts';
import { readPngText } from '../src/providers/png-text.js';
import { startTestApp, type TestApp } from './app.js';
import { ScriptedProvider, scriptedRegistry } from './scripted-provider.js';
import { addMember, expectStatus, signedUp, submitAndWait, waitForJob, type Member } from './world.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const; // 10 credits each

describe('generation jobs through the real queue', () => {
  let server: TestApp;
  let provider: ScriptedProvider;
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;

  const pool = async (): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
  const submit = (body: unknown, headers: Record<string, string> = {}) =>
    member.client.request<SubmittedJobView>('POST', `/orgs/${organization.id}/jobs`, body, headers);

  beforeAll(async () => {
    provider = new ScriptedProvider();
    server = await startTestApp({ PROVIDER_CONCURRENCY_LOCAL: '1', JOB_HOLD_EXTEND_INTERVAL_MS: '200' }, [scriptedRegistry(provider)]);
    owner = await signedUp(server, 'jobs-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Jobs Inc' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(server, owner.client, organization.id, 'member', 'generator');
    await server.grantCredits(organization.id, 1_000);
  });
  afterAll(async () => {
    provider.release();
    await server.close();
  });
  beforeEach(() => {
    provider.release();
  });

  it('succeeds: holds the price, captures it, and files each image with its settings in the gallery', async () => {
    const before = await pool();
    const submitted = await submit({ request: { ...schnell, variations: 2 }, prompt: 'a lighthouse at dusk', seed: 42 });
    expect(submitted.status).toBe(201);
    expect(submitted.body.job).toMatchObject({ priceCredits: 20, unitCredits: 10, variations: 2, catalogId: 'default' });
    expect(['queued', 'running']).toContain(submitted.body.job.status); // a free worker may already have it
    expect(submitted.body.balances.pool.availableCredits).toBe(before.availableCredits - 20);
    expect(submitted.body.balances.pool.pendingCredits).toBe(before.pendingCredits + 20);

    const job = await waitForJob(member.client, organization.id, submitted.body.job.id);
    expect(job).toMatchObject({ status: 'succeeded', capturedCredits: 20, imagesDone: 2, progressPercent: 100, error: null });
    expect(job.assetIds).toHaveLength(2);
    const after = await pool();
    expect(after).toMatchObject({ postedCredits: before.postedCredits - 20, pendingCredits: before.pendingCredits, availableCredits: before.availableCredits - 20 });

    const gallery = await member.client.get<GalleryPage>(`/orgs/${organization.id}/assets?operation=text-to-image`);
    const mine = gallery.body.assets.filter((asset) => asset.jobId === job.id);
    expect(mine).toHaveLength(2);
    expect(mine.map((asset) => asset.seed).sort()).toEqual([42, 43]);
    expect(mine[0]).toMatchObject({ priceCredits: 10, modelId: 'flux-schnell', width: 512, height: 512, prompt: 'a lighthouse at dusk', author: { id: member.userId } });

    const image = await fetch(`${server.url}${mine[0]?.url ?? ''}`, { headers: { cookie: '' } });
    expect(image.status).toBe(401); // images are private to the org
    const download = await member.client.request('GET', `/orgs/${organization.id}/assets/${mine[0]?.id ?? ''}/image?download=1`);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-disposition')).toMatch(/attachment/);
  });

  it('writes the generation settings into the PNG', async () => {
    const job = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'settings inside', seed: 5 });
    const response = await fetch(`${server.url}/api/orgs/${organization.id}/assets/${job.assetIds[0] ?? ''}/image`, {
      headers: { cookie: (member.client as unknown as { cookie: string }).cookie },
    });
    const png = Buffer.from(await response.arrayBuffer());
    expect(readPngText(png)).toMatchObject({ 'atelier:prompt': 'settings inside', 'atelier:seed': '5', 'atelier:model': 'flux-schnell', 'atelier:catalog': 'default@2' });
    expect((await sharp(png).metadata()).width).toBe(512);
  });

  it('refunds a failed generation automatically and says why', async () => {
    const before = await pool();
    provider.failNext('moderated');
    const job = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'something the provider refuses' });
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('provider_moderated');
    expect(job.error?.message).toMatch(/Change the prompt/);
    expect(job.capturedCredits).toBeNull();
    expect(await pool()).toMatchObject({ availableCredits: before.availableCredits, postedCredits: before.postedCredits, pendingCredits: before.pendingCredits });
    const hold = await ledgerOf(server.app).getHold(job.id);
    expect(hold?.status).toBe('voided');
  });

  it('retries a provider 5xx and then succeeds, charging once', async () => {
    const before = await pool();
    provider.failNext('server_error', 2);
    const calls = provider.calls;
    const job = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'flaky provider' }, 60_000);
    expect(job.status).toBe('succeeded');
    expect(provider.calls - calls).toBe(3);
    expect((await pool()).postedCredits).toBe(before.postedCredits - 10);
  });

  it('captures only the images made when some variations fail', async () => {
    const before = await pool();
    provider.failNext('moderated'); // the first of three images is refused
    const job = await submitAndWait(member.client, organization.id, { request: { ...schnell, variations: 3 }, prompt: 'three tries' });
    expect(job).toMatchObject({ status: 'succeeded', capturedCredits: 20, priceCredits: 30, error: { code: 'partial' } });
    expect(job.assetIds).toHaveLength(2);
    expect(await pool()).toMatchObject({ postedCredits: before.postedCredits - 20, pendingCredits: before.pendingCredits });
  });

  it('cancels a queued job at once, and a running one mid-call, releasing both holds', async () => {
    const before = await pool();
    provider.hold();
    const running = await submit({ request: schnell, prompt: 'long one' });
    await waitForJob(member.client, organization.id, running.body.job.id, 10_000, (job) => job.status === 'running');
    const queued = await submit({ request: schnell, prompt: 'waiting one' });
    expect(queued.body.job.queuePosition).toBe(1);

    const cancelQueued = await member.client.post<JobView>(`/orgs/${organization.id}/jobs/${queued.body.job.id}/cancel`);
    expect(cancelQueued.body.status).toBe('cancelled');
    const cancelRunning = await member.client.post<JobView>(`/orgs/${organization.id}/jobs/${running.body.job.id}/cancel`);
    expect(cancelRunning.status).toBe(200);
    expect(cancelRunning.body.cancel).toEqual({ keptImages: 0, chargedCredits: 0, releasedCredits: 10 });
    const stopped = await waitForJob(member.client, organization.id, running.body.job.id);
    expect(stopped).toMatchObject({ status: 'cancelled', capturedCredits: null, refundedCredits: 10 });
    expect(stopped.assetIds).toEqual([]);
    provider.release();
    expect(await pool()).toMatchObject({ availableCredits: before.availableCredits, postedCredits: before.postedCredits });
    const again = await member.client.post(`/orgs/${organization.id}/jobs/${queued.body.job.id}/cancel`);
    expect(again.status).toBe(409);
  });

  it('a cancel while running keeps and charges the images made before it, and nothing finished after it', async () => {
    const before = await pool();
    provider.onCall = (input) => {
      if (input.seed === 702) provider.hold(); // the third of four images waits
    };
    const submitted = await submit({ request: { ...schnell, variations: 4 }, prompt: 'four, then stop', seed: 700 });
    await waitForJob(member.client, organization.id, submitted.body.job.id, 10_000, (job) => job.imagesDone === 2);
    const cancelled = await member.client.post<JobView>(`/orgs/${organization.id}/jobs/${submitted.body.job.id}/cancel`);
    expectStatus(cancelled, 200);
    // The answer says at once what the cancel keeps: the two images made, charged; the rest released.
    expect(cancelled.body).toMatchObject({ status: 'running', cancel: { keptImages: 2, chargedCredits: 20, releasedCredits: 20 } });
    expect(cancelled.body.cancelRequestedAt).not.toBeNull();
    expect(cancelled.body.assetIds).toHaveLength(2);
    provider.onCall = undefined;
    provider.release(); // the third image now finishes after the cancel (and perhaps a fourth)

    const job = await waitForJob(member.client, organization.id, submitted.body.job.id);
    expect(job).toMatchObject({ status: 'cancelled', capturedCredits: 20, refundedCredits: 20, cancel: { keptImages: 2, chargedCredits: 20 } });
    expect(job.error?.message).toMatch(/Cancelled after 2 of 4 images/);
    expect(job.assetIds).toEqual(cancelled.body.assetIds);
    const gallery = await member.client.get<GalleryPage>(`/orgs/${organization.id}/assets?operation=text-to-image`);
    expect(gallery.body.assets.filter((asset) => asset.jobId === job.id).map((asset) => asset.seed).sort()).toEqual([700, 701]);
    expect(await pool()).toMatchObject({ postedCredits: before.postedCredits - 20, pendingCredits: before.pendingCredits });
    const hold = await ledgerOf(server.app).getHold(job.id);
    expect(hold?.status).toBe('captured');
    // A second cancel of an ended job is refused and changes nothing.
    expectStatus(await member.client.post(`/orgs/${organization.id}/jobs/${job.id}/cancel`), 409);
  });

  it('only lets the author or a manager cancel', async () => {
    provider.hold();
    const other = await addMember(server, owner.client, organization.id, 'member', 'bystander');
    const job = await submit({ request: schnell, prompt: 'mine to cancel' });
    expect((await other.client.post(`/orgs/${organization.id}/jobs/${job.body.job.id}/cancel`)).status).toBe(404);
    expect((await owner.client.post(`/orgs/${organization.id}/jobs/${job.body.job.id}/cancel`)).status).toBe(200);
    provider.release();
    expect((await waitForJob(member.client, organization.id, job.body.job.id)).status).toBe('cancelled');
  });

  it('answers a retry with the same Idempotency-Key with the same job, and a reuse for another request with 409', async () => {
    const key = `retry-${String(Date.now())}`;
    const first = await submit({ request: schnell, prompt: 'once only' }, { 'idempotency-key': key });
    const second = await submit({ request: schnell, prompt: 'once only' }, { 'idempotency-key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.job.id).toBe(first.body.job.id);
    const conflict = await submit({ request: schnell, prompt: 'something else' }, { 'idempotency-key': key });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toMatchObject({ code: 'id_conflict' });
    await waitForJob(member.client, organization.id, first.body.job.id);
  });

  it('inpaints a source image with a mask rendered from strokes, and outpaints to the expanded canvas', async () => {
    const source = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'a base image' });
    const sourceAssetId = source.assetIds[0];
    const inpaint = await submitAndWait(member.client, organization.id, {
      request: { operation: 'inpaint', model: 'flux-schnell', steps: 4 },
      prompt: 'a red door',
      sourceAssetId,
      maskStrokes: [{ tool: 'brush', width: 60, points: [100, 100, 300, 300] }],
    });
    expect(inpaint.status).toBe('succeeded');
    const detail = await member.client.get<{ asset: { parentAssetId: string; hasMask: boolean; width: number } }>(`/orgs/${organization.id}/assets/${inpaint.assetIds[0] ?? ''}`);
    expect(detail.body.asset).toMatchObject({ parentAssetId: sourceAssetId, hasMask: true, width: 512 });

    const outpaint = await submitAndWait(member.client, organization.id, {
      request: { operation: 'outpaint', model: 'flux-schnell', steps: 4, outpaint: { left: 128, right: 128 } },
      prompt: 'more beach',
      sourceAssetId,
    });
    expect(outpaint.status).toBe('succeeded');
    const widened = await member.client.get<{ asset: { width: number; height: number } }>(`/orgs/${organization.id}/assets/${outpaint.assetIds[0] ?? ''}`);
    expect(widened.body.asset).toMatchObject({ width: 768, height: 512 });

    const noMask = await submit({ request: { operation: 'inpaint', model: 'flux-schnell', steps: 4 }, prompt: 'x', sourceAssetId });
    expect(noMask.status).toBe(400);
    expect(noMask.body).toMatchObject({ field: 'maskStrokes' });
    const wrongSize = await submit({ request: { operation: 'outpaint', model: 'flux-schnell', width: 1024, height: 1024, steps: 4, outpaint: { left: 64 } }, prompt: 'x', sourceAssetId });
    expect(wrongSize.status).toBe(400);
    expect(wrongSize.body).toMatchObject({ field: 'request.width' });
  });

  it('gives "use these settings" for any image, ready to submit again', async () => {
    const job = await submitAndWait(member.client, organization.id, { request: schnell, prompt: 'reuse me', seed: 99, negativePrompt: 'blur' });
    const detail = await member.client.get<{ settings: { request: Record<string, unknown>; prompt: string; negativePrompt: string; seed: number } }>(`/orgs/${organization.id}/assets/${job.assetIds[0] ?? ''}`);
    expect(detail.body.settings).toMatchObject({ prompt: 'reuse me', negativePrompt: 'blur', seed: 99, request: { model: 'flux-schnell', width: 512 } });
    const again = await submitAndWait(member.client, organization.id, { ...detail.body.settings, parentAssetId: job.assetIds[0] });
    expect(again.status).toBe('succeeded');
  });

  it('pages the gallery with a cursor and totals by operation', async () => {
    const first = await member.client.get<GalleryPage>(`/orgs/${organization.id}/assets?limit=2`);
    expect(first.body.assets).toHaveLength(2);
    expect(first.body.nextCursor).not.toBeNull();
    const second = await member.client.get<GalleryPage>(`/orgs/${organization.id}/assets?limit=2&cursor=${first.body.nextCursor ?? ''}`);
    const firstIds = first.body.assets.map((asset) => asset.id);
    expect(second.body.assets.some((asset) => firstIds.includes(asset.id))).toBe(false);
    const totals = Object.fromEntries(first.body.totals.map((total) => [total.operation, total]));
    expect(totals['text-to-image']?.count).toBeGreaterThan(3);
    const bad = await member.client.get(`/orgs/${organization.id}/assets?cursor=nonsense`);
    expect(bad.status).toBe(400);
  });

  it('pages through images made within one millisecond without skipping any', async () => {
    // The cursor kept the last image's time in milliseconds: an image made in the same millisecond
    // just before a page's last one (a job's variations are stored one right after another) never
    // showed on the next page.
    const someone = await signedUp(server, 'micro-pages');
    const created = await someone.client.post<OrganizationView>('/orgs', { name: 'Micro pages' });
    expectStatus(created, 201);
    const orgId = created.body.id;
    await server.grantCredits(orgId, 1_000);
    const job = await submitAndWait(someone.client, orgId, { request: { ...schnell, variations: 4 }, prompt: 'four at once' });
    expect(job.assetIds).toHaveLength(4);
    const database = new pg.Client({ connectionString: server.database.url });
    await database.connect();
    try {
      await database.query(
        `update assets a set created_at = timestamptz '2026-12-01 12:00:00+00' + r.n * interval '7 microseconds'
           from (select id, row_number() over (order by id) as n from assets where organization_id = $1) r where a.id = r.id`,
        [orgId],
      );
    } finally {
      await database.end();
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof someone.client.get<GalleryPage>>> = await someone.client.get<GalleryPage>(`/orgs/${orgId}/assets?limit=1${cursor === null ? '' : `&cursor=${cursor}`}`);
      expectStatus(page, 200);
      seen.push(...page.body.assets.map((asset) => asset.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null && seen.length < 10);
    expect(seen).toEqual([...job.assetIds].sort().reverse());
  });
});
