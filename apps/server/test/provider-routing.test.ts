import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GalleryPage, OrganizationView, PoolView } from '@atelier/contracts';
import { PostgresPoolRepository } from '../src/repositories/postgres-pool.repository.js';
import { startTestApp, type TestApp } from './app.js';
import { ScriptedProvider, scriptedRealRegistry } from './scripted-provider.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from './world.js';

const fluxDev = { operation: 'text-to-image', model: 'flux-dev', width: 512, height: 512, steps: 20 } as const;

interface ProvidersBody {
  demo: boolean;
  adapters: { id: string; demo: boolean; status: string; recentCalls: number; recentErrors: number; lastError: { kind: string } | null }[];
  models: { modelId: string; operation: string; routes: string[] }[];
}

describe('routing between real providers', () => {
  let server: TestApp;
  const local = new ScriptedProvider('local');
  // flux-dev's own provider first, then a second route; flux-schnell only on the second.
  const bfl = new ScriptedProvider('black-forest-labs', ['flux-dev']);
  const second = new ScriptedProvider('wavespeed', ['flux-dev', 'flux-schnell']);
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;
  const query = <T extends object>(sql: string, values: unknown[]) => server.app.get(PostgresPoolRepository).pool.query<T>(sql, values);
  const pool = async (): Promise<PoolView> => (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;

  beforeAll(async () => {
    server = await startTestApp({}, [scriptedRealRegistry(local, [bfl, second])]);
    owner = await signedUp(server, 'routing-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Routing Inc' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(server, owner.client, organization.id, 'member', 'routing-member');
    await server.grantCredits(organization.id, 5_000);
  });
  afterAll(async () => {
    await server.close();
  });

  it("runs a model on its own provider first and records who made each image, with the provider's cost", async () => {
    const job = await submitAndWait(member.client, organization.id, { request: { ...fluxDev, variations: 2 }, prompt: 'first route' });
    expect(job).toMatchObject({ status: 'succeeded', provider: 'black-forest-labs', imagesDone: 2 });
    const gallery = await member.client.get<GalleryPage>(`/orgs/${organization.id}/assets`);
    const mine = gallery.body.assets.filter((asset) => asset.jobId === job.id);
    expect(mine.map((asset) => asset.provider)).toEqual(['black-forest-labs', 'black-forest-labs']);
    const cost = await query<{ provider_cost: unknown }>(`select provider_cost from assets where job_id = $1`, [job.id]);
    expect(cost.rows.map((row) => row.provider_cost)).toEqual([{ amount: 0.003, unit: 'usd' }, { amount: 0.003, unit: 'usd' }]);
    expect(local.calls).toBe(0); // never the demo renderer once a real provider is configured
  });

  it('a provider that stays down hands the image to the next one, and the job is charged once', async () => {
    const before = await pool();
    const bflCalls = bfl.calls;
    const secondCalls = second.calls;
    bfl.failNext('server_error', 3); // every attempt of the first route
    const job = await submitAndWait(member.client, organization.id, { request: fluxDev, prompt: 'failover' }, 60_000);
    expect(job).toMatchObject({ status: 'succeeded', provider: 'wavespeed', capturedCredits: job.priceCredits });
    expect(bfl.calls - bflCalls).toBe(3);
    expect(second.calls - secondCalls).toBe(1);
    const after = await pool();
    expect(after.postedCredits).toBe(before.postedCredits - job.priceCredits);
    expect(after.pendingCredits).toBe(before.pendingCredits);
    const assets = await query<{ provider: string }>(`select provider from assets where job_id = $1`, [job.id]);
    expect(assets.rows).toEqual([{ provider: 'wavespeed' }]);

    const health = (await (await fetch(`${server.url}/api/health`)).json()) as { providers: ProvidersBody };
    const bflHealth = health.providers.adapters.find((adapter) => adapter.id === 'black-forest-labs');
    expect(bflHealth).toMatchObject({ demo: false, recentErrors: 3, lastError: { kind: 'server_error' } });
    expect(health.providers.demo).toBe(false);
  }, 60_000);

  it('a rate-limited provider also fails over', async () => {
    bfl.failNext('rate_limited', 3);
    const job = await submitAndWait(member.client, organization.id, { request: fluxDev, prompt: 'rate limited' }, 60_000);
    expect(job).toMatchObject({ status: 'succeeded', provider: 'wavespeed' });
  }, 60_000);

  it("a moderation refusal ends the job with a clear reason and a full refund, without trying the next provider", async () => {
    const before = await pool();
    const secondCalls = second.calls;
    bfl.failNext('moderated');
    const job = await submitAndWait(member.client, organization.id, { request: fluxDev, prompt: 'refused' });
    expect(job.status).toBe('failed');
    expect(job.error?.code).toBe('provider_moderated');
    expect(job.error?.message).toMatch(/blocked by the provider's content filter/i);
    expect(job.error?.message).toMatch(/refunded in full/);
    expect(second.calls).toBe(secondCalls);
    expect(await pool()).toMatchObject({ availableCredits: before.availableCredits, postedCredits: before.postedCredits, pendingCredits: before.pendingCredits });
  });

  it('refuses a model that no configured provider runs with 409 model_unavailable, holding nothing', async () => {
    const before = await pool();
    const response = await member.client.request('POST', `/orgs/${organization.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'stability-core', width: 512, height: 512 },
      prompt: 'no route',
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'model_unavailable', field: 'request.model' });
    // People read the model's name, not its id.
    expect((response.body as { message: string }).message).toBe('Stable Image Core is not available on this server for text-to-image: no configured provider runs it. Pick another model.');
    expect(await pool()).toEqual(before);
    // Preflight (and the cost line, with the same judge) says so before Generate is pressed.
    const checked = await member.client.post<{ allowed: boolean; reasons: { code: string; field?: string }[] }>(`/orgs/${organization.id}/preflight`, {
      request: { operation: 'text-to-image', model: 'stability-core', width: 512, height: 512 },
    });
    expect(checked.body.allowed).toBe(false);
    expect(checked.body.reasons[0]).toMatchObject({ code: 'model_unavailable', field: 'request.model' });
  });

  it('GET /api/providers lists the adapters and the routes of each model and operation', async () => {
    const response = await fetch(`${server.url}/api/providers`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as ProvidersBody;
    expect(body.demo).toBe(false);
    expect(body.adapters.map((adapter) => adapter.id)).toEqual(['black-forest-labs', 'wavespeed']);
    const routes = (modelId: string, operation = 'text-to-image'): string[] | undefined =>
      body.models.find((model) => model.modelId === modelId && model.operation === operation)?.routes;
    expect(routes('flux-dev')).toEqual(['black-forest-labs', 'wavespeed']);
    expect(routes('flux-schnell')).toEqual(['wavespeed']);
    expect(routes('stability-core')).toEqual([]);
  });
});
