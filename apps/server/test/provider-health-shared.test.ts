import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OrganizationView, SubmittedJobView } from '@atelier/contracts';
import type { ProvidersDto as ProvidersView } from '../src/health/health.dto.js';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/app.js';
import { startTestApp, type TestApp } from './app.js';
import { ApiClient } from './client.js';
import { redisUnavailable, redisUrl } from './redis.js';
import { ScriptedProvider, scriptedRegistry } from './scripted-provider.js';
import { expectStatus, fundedOrganization, waitForJob, type Member } from './world.js';

const unavailable = await redisUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${unavailable}, and REQUIRE_REDIS=1`);
  console.warn(`Skipping the shared provider health test: ${unavailable}. Set REQUIRE_REDIS=1 to fail instead.`);
}

/**
 * Operators read a provider's health on whichever node answers: a call made on one node (an error,
 * then an image) shows on the Providers page and in /api/health of the other.
 */
describe.skipIf(unavailable !== undefined)('provider health shared by the nodes of a cluster (Redis)', () => {
  let worker: TestApp;
  let other: NestExpressApplication;
  let otherUrl = '';
  let owner: Member;
  let organization: OrganizationView;
  const provider = new ScriptedProvider();

  beforeAll(async () => {
    worker = await startTestApp({ REDIS_URL: redisUrl }, [scriptedRegistry(provider)]);
    const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', TRIAL_CREDITS: '0', RUN_WORKERS: 'false', REDIS_URL: redisUrl, DATABASE_POOL_SIZE: '4', ORM_POOL_SIZE: '2' });
    other = await createApp({ ...config, databaseUrl: worker.database.url });
    await other.listen(0, '127.0.0.1');
    const address = other.getHttpServer().address();
    if (typeof address !== 'object' || address === null) throw new Error('server has no address');
    otherUrl = `http://127.0.0.1:${String(address.port)}`;
    ({ owner, organization } = await fundedOrganization(worker, 'health-owner', 'Health Co', 100));
  });
  afterAll(async () => {
    await other.close();
    await worker.close();
  });

  it('a call made on the worker node is counted, with its error, on the other node', async () => {
    const before = await new ApiClient(otherUrl).get<ProvidersView>('/providers');
    expectStatus(before, 200);
    expect(before.body.adapters).toEqual([expect.objectContaining({ id: 'local', recentCalls: 0, lastError: null })]);

    provider.failNext('server_error');
    const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
      prompt: 'counted everywhere',
    });
    expectStatus(submitted, 201);
    expect(await waitForJob(owner.client, organization.id, submitted.body.job.id)).toMatchObject({ status: 'succeeded' });

    const seen = await new ApiClient(otherUrl).get<ProvidersView>('/providers');
    expect(seen.body.adapters[0]).toMatchObject({ id: 'local', recentCalls: 2, recentErrors: 1, status: 'degraded', lastError: { kind: 'server_error' } });
    const health = await new ApiClient(otherUrl).get<{ providers: ProvidersView }>('/health');
    expect(health.body.providers.adapters[0]).toMatchObject({ recentCalls: 2, recentErrors: 1 });
  });
});
