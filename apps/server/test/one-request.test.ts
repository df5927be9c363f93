import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collabFields, workspaceDocumentName, type JobView, type OrganizationView, type PreflightView, type PricingContextView, type SubmittedJobView, type WorkspaceView } from '@atelier/contracts';
import { listA } from '@atelier/pricing';
import { PostgresPoolRepository } from '../src/repositories/postgres-pool.repository.js';
import { startTestApp, type TestApp } from './app.js';
import { connect, createWorkspace, ticketFor, waitFor, type CollabPeer } from './collab/collab-client.js';
import { buildWorld, expectStatus, signedUp, submitAndWait, waitForJob, type Member, type OrganizationWorld } from './world.js';

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * One generation request, one truth: what a workspace's settings say is what preflight prices,
 * what submit runs and what the ledger charges, whatever two editors left in the settings.
 */
describe('one request, one truth', () => {
  let app: TestApp;
  let world: OrganizationWorld;
  const peers: CollabPeer[] = [];

  beforeAll(async () => {
    app = await startTestApp({ TRIAL_CREDITS: '0' });
    world = await buildWorld(app, 'truth');
  });

  afterAll(async () => {
    for (const peer of peers) peer.destroy();
    await app.close();
  });

  function open(who: Member, workspace: WorkspaceView): CollabPeer {
    const peer = connect(app.url, workspaceDocumentName(workspace.id), async () => (await ticketFor(who.client, workspace.organizationId, workspace.id)).ticket);
    peers.push(peer);
    return peer;
  }

  async function workspaceWith(settings: Record<string, unknown>, prompt = 'a lighthouse at dusk'): Promise<{ workspace: WorkspaceView; peer: CollabPeer }> {
    const workspace = await createWorkspace(world.members.member.client, world.organization.id, world.project.id, `w-${String(Math.random()).slice(2, 8)}`);
    const peer = open(world.members.member, workspace);
    await peer.synced();
    peer.doc.transact(() => {
      peer.doc.getText(collabFields.prompt).insert(0, prompt);
      const map = peer.doc.getMap(collabFields.settings);
      for (const [key, value] of Object.entries(settings)) map.set(key, value);
    });
    await waitFor(() => !peer.provider.hasUnsyncedChanges);
    return { workspace, peer };
  }

  function preflight(body: Record<string, unknown>, who: Member = world.members.member) {
    return who.client.post<PreflightView>(`/orgs/${world.organization.id}/preflight`, body);
  }

  function submit(body: Record<string, unknown>, who: Member = world.members.member, headers: Record<string, string> = {}) {
    return who.client.request<SubmittedJobView>('POST', `/orgs/${world.organization.id}/jobs`, body, headers);
  }

  it('prices a brand-new workspace at once, and runs it with the price shown', async () => {
    const { workspace } = await workspaceWith({});
    const checked = await preflight({ workspaceId: workspace.id });
    expectStatus(checked, 200);
    expect(checked.body.allowed).toBe(true);
    expect(checked.body.request).toMatchObject({ operation: 'text-to-image', width: 512, height: 512, variations: 1 });
    const job = await submitAndWait(world.members.member.client, world.organization.id, { workspaceId: workspace.id });
    expect(job.status).toBe('succeeded');
    expect(job.priceCredits).toBe(checked.body.price.credits);
    expect(job.capturedCredits).toBe(checked.body.price.credits);
  });

  it('records the default step count on the job and its images', async () => {
    const job = await submitAndWait(world.members.member.client, world.organization.id, {
      request: { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512 },
      prompt: 'steps by default',
    });
    expect(job.steps).toBe(25);
    const asset = await world.members.member.client.get<{ asset: { steps: number | null } }>(`/orgs/${world.organization.id}/assets/${job.assetIds[0] ?? ''}`);
    expect(asset.body.asset.steps).toBe(25);
  });

  it('never lets a leftover field block the workspace: steps then upscale, a stale source, a model and a quality at once', async () => {
    const { workspace, peer } = await workspaceWith({ model: 'flux-dev', quality: 'premium', steps: 50, width: 1024, height: 1024 });
    const first = await preflight({ workspaceId: workspace.id });
    expectStatus(first, 200);
    expect(first.body.price.modelId).toBe('flux-dev');
    const made = await submitAndWait(world.members.member.client, world.organization.id, { workspaceId: workspace.id });
    expect(made.status).toBe('succeeded');

    // Upscale the image: the step count and the size left in the settings are not the upscale's.
    peer.doc.transact(() => {
      const map = peer.doc.getMap(collabFields.settings);
      map.set('operation', 'upscale-fast');
      map.set('sourceAssetId', made.assetIds[0] ?? '');
      map.set('width', 768);
      map.set('height', 768);
    });
    await waitFor(() => !peer.provider.hasUnsyncedChanges);
    const upscaleCheck = await preflight({ workspaceId: workspace.id });
    expectStatus(upscaleCheck, 200);
    expect(upscaleCheck.body.request).toMatchObject({ operation: 'upscale-fast', width: 1024, height: 1024 });
    expect(upscaleCheck.body.request).not.toHaveProperty('steps');
    const upscaled = await submitAndWait(world.members.member.client, world.organization.id, { workspaceId: workspace.id });
    expect(upscaled.status).toBe('succeeded');
    expect(upscaled.priceCredits).toBe(upscaleCheck.body.price.credits);

    // Back to text-to-image at 768²: the source stays in the document but is not this operation's.
    peer.doc.transact(() => {
      peer.doc.getMap(collabFields.settings).set('operation', 'text-to-image');
    });
    await waitFor(() => !peer.provider.hasUnsyncedChanges);
    const back = await submitAndWait(world.members.member.client, world.organization.id, { workspaceId: workspace.id });
    expect(back).toMatchObject({ status: 'succeeded', operation: 'text-to-image', width: 768, height: 768 });
  });

  it('runs a job wholly covered by a free allowance on an empty pool: cost 0, no hold, marked free tier', async () => {
    const owner = await signedUp(app, 'free-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Free riders' });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    const job = await submitAndWait(owner.client, organizationId, {
      request: { operation: 'text-to-image', model: 'huggingface-flux-dev', width: 512, height: 512 },
      prompt: 'a free fox',
    });
    expect(job).toMatchObject({ status: 'succeeded', priceCredits: 0, capturedCredits: 0, freeUnits: 1 });
    const asset = await owner.client.get<{ asset: { priceCredits: number; freeTier: boolean } }>(`/orgs/${organizationId}/assets/${job.assetIds[0] ?? ''}`);
    expect(asset.body.asset).toMatchObject({ priceCredits: 0, freeTier: true });
    const pool = await owner.client.get<{ availableCredits: number; pendingCredits: number }>(`/orgs/${organizationId}/pool`);
    expect(pool.body).toMatchObject({ availableCredits: 0, pendingCredits: 0 });
  });

  it('prices with the free allowance used so far: the preflight after the free images equals the charge', async () => {
    const owner = await signedUp(app, 'imagen-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Imagen users' });
    const organizationId = created.body.id;
    await app.grantCredits(organizationId, 1_000);
    const request = { operation: 'text-to-image', model: 'imagen-4', width: 1024, height: 1024 };
    for (const variations of [4, 4, 2]) {
      const job = await submitAndWait(owner.client, organizationId, { request: { ...request, variations }, prompt: `free ${String(variations)}` });
      expect(job).toMatchObject({ status: 'succeeded', priceCredits: 0 });
    }
    const checked = await owner.client.post<PreflightView>(`/orgs/${organizationId}/preflight`, { request: { ...request, variations: 1 } });
    expect(checked.body.price.credits).toBeGreaterThan(0);
    const paid = await submitAndWait(owner.client, organizationId, { request: { ...request, variations: 1 }, prompt: 'paid' });
    expect(paid.capturedCredits).toBe(checked.body.price.credits);
  });

  it('refuses an unknown request key with a 400 naming it, and never takes the catalog from a request', async () => {
    const typo = await submit({ request: { operation: 'text-to-image', width: 512, height: 512, step: 50 }, prompt: 'x' });
    expectStatus(typo, 400);
    expect(typo.body).toMatchObject({ code: 'invalid_request', field: 'request.step' });
    expect((typo.body as unknown as { message: string }).message).toBe('request.step: unknown field; did you mean steps?');
    const catalog = await preflight({ request: { operation: 'text-to-image', width: 512, height: 512, catalog: 'list-a' } });
    expectStatus(catalog, 400);
    expect(catalog.body).toMatchObject({ field: 'request.catalog' });
    const nested = await preflight({ request: { operation: 'outpaint', width: 512, height: 512, outpaint: { left: 64, rigth: 64 } } });
    expect(nested.body).toMatchObject({ field: 'request.outpaint.rigth' });
  });

  it('treats the same body with its keys in another order as a replay, not a conflict', async () => {
    const key = crypto.randomUUID();
    const first = await submit({ prompt: 'order', request: { operation: 'text-to-image', width: 512, height: 512, model: 'flux-schnell' } }, world.members.member, { 'idempotency-key': key });
    expectStatus(first, 201);
    const again = await submit({ request: { model: 'flux-schnell', height: 512, width: 512, operation: 'text-to-image' }, prompt: 'order' }, world.members.member, { 'idempotency-key': key });
    expectStatus(again, 200);
    expect(again.body.job.id).toBe(first.body.job.id);
  });

  it('asks search & replace what to search for, and needs no prompt for an upscale', async () => {
    const source = world.assetId;
    const missing = await submit({ request: { operation: 'search-and-replace' }, prompt: 'a red kite', sourceAssetId: source });
    expectStatus(missing, 400);
    expect(missing.body).toMatchObject({ field: 'searchPrompt' });
    const { workspace } = await workspaceWith({ operation: 'search-and-replace', sourceAssetId: source, searchPrompt: 'the sky' }, 'a red kite');
    const replaced = await submitAndWait(world.members.member.client, world.organization.id, { workspaceId: workspace.id });
    expect(replaced.status).toBe('succeeded');
    const upscale = await submitAndWait(world.members.member.client, world.organization.id, { request: { operation: 'upscale-fast' }, sourceAssetId: source });
    expect(upscale.status).toBe('succeeded');
  });

  it('applies the tier: the Free plan makes at most 4 images a job, and preflight says so with the other checks', async () => {
    const request = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, variations: 5 };
    const refused = await submit({ request, prompt: 'five' });
    expectStatus(refused, 403);
    expect(refused.body).toMatchObject({ code: 'tier_limit', field: 'request.variations' });
    const checked = await preflight({ request });
    expect(checked.body.allowed).toBe(false);
    expect(checked.body.reasons.map((reason) => [reason.code, reason.field])).toEqual([['tier_limit', 'request.variations']]);
    const context = await world.members.member.client.get<PricingContextView>(`/orgs/${world.organization.id}/pricing`);
    expect(context.body.tier).toMatchObject({ id: 'free', maxImagesPerJob: 4 });
  });

  it('prices an org with the catalog its owner chose, never the request; only an owner may choose', async () => {
    const owner = await signedUp(app, 'list-a-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Token shop' });
    const organizationId = created.body.id;
    await app.grantCredits(organizationId, 1_000);
    expectStatus(await world.members.manager.client.put(`/orgs/${world.organization.id}/pricing/catalog`, { catalog: 'list-a' }), 403);
    const chosen = await owner.client.put<PricingContextView>(`/orgs/${organizationId}/pricing/catalog`, { catalog: 'list-a' });
    expectStatus(chosen, 200);
    expect(chosen.body.catalogId).toBe('list-a');
    const checked = await owner.client.post<PreflightView>(`/orgs/${organizationId}/preflight`, { request: { operation: 'text-to-image', model: 'flux-pro', width: 1024, height: 1024 } });
    expect(checked.body.price).toMatchObject({ catalogId: 'list-a', credits: 100 });
    const job = await submitAndWait(owner.client, organizationId, { request: { operation: 'text-to-image', model: 'flux-pro', width: 1024, height: 1024 }, prompt: 'tokens' });
    expect(job).toMatchObject({ catalogId: 'list-a', capturedCredits: 100 });
  });

  it('lets an operator set a custom catalog file with the credits command, checked first', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'atelier-catalog-'));
    const file = path.join(folder, 'studio.json');
    const custom = JSON.parse(JSON.stringify(listA)) as { id: string; name: string; version: number };
    custom.id = 'studio';
    custom.name = 'Studio prices';
    await writeFile(file, JSON.stringify(custom));
    const run = promisify(execFile);
    const command = ['run', 'credits', '--', 'catalog', '--org', world.organization.id, '--catalog', file];
    const options = { cwd: repositoryRoot, env: { ...process.env, DATABASE_URL: app.database.url, LOG_LEVEL: 'silent' }, timeout: 60_000 };
    const done = await run('npm', command, options);
    expect(done.stdout).toContain('is now priced with the custom catalog');
    const context = await world.members.member.client.get<PricingContextView>(`/orgs/${world.organization.id}/pricing`);
    expect(context.body.catalogId).toBe('studio');
    await writeFile(file, JSON.stringify({ ...custom, models: 'none' }));
    await expect(run('npm', command, options)).rejects.toMatchObject({ code: 2 });
    await run('npm', ['run', 'credits', '--', 'catalog', '--org', world.organization.id, '--catalog', 'default'], options);
  });
});

describe('the Free tier’s trial credits', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ TRIAL_CREDITS: '300', TRIAL_DAYS: '14' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('gives a new org a few hundred expiring credits, so a newcomer can make images without an operator', async () => {
    const owner = await signedUp(app, 'newcomer');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'First steps' });
    expectStatus(created, 201);
    const pool = await owner.client.get<{ availableCredits: number }>(`/orgs/${created.body.id}/pool`);
    expect(pool.body.availableCredits).toBe(300);
    const job: JobView = await submitAndWait(owner.client, created.body.id, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512 },
      prompt: 'my first image',
    });
    expect(job.status).toBe('succeeded');
    const settled = await waitForJob(owner.client, created.body.id, job.id);
    expect(settled.capturedCredits).toBeGreaterThan(0);
    const grants = await app.app.get(PostgresPoolRepository).pool.query<{ source: string; expires_at: Date | null }>(
      'select source, expires_at from ledger.grants where org_id = $1',
      [created.body.id],
    );
    expect(grants.rows).toHaveLength(1);
    const expiresInDays = ((grants.rows[0]?.expires_at?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(expiresInDays).toBeGreaterThan(13.9);
    expect(expiresInDays).toBeLessThanOrEqual(14);
  });
});
