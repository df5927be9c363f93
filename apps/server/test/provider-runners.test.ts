import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OrganizationView, SubmittedJobView } from '@atelier/contracts';
import { loadConfig } from '../src/config/config.js';
import { QueueRepository } from '../src/queue/queue.repository.js';
import { createApp } from '../src/app.js';
import { startTestApp, type TestApp } from './app.js';
import { ScriptedProvider, scriptedRealRegistry } from './scripted-provider.js';
import { TEST_POOL_SIZES } from './server-process.js';
import { expectStatus, fundedOrganization, waitForJob, type Member } from './world.js';

/**
 * A node runs job runners only for the providers it can call (one runner per unused provider woke
 * with every insert and tripled submit-to-start), and for any provider that still has jobs queued:
 * a job left in the queue of a provider taken out of the configuration must not wait for ever.
 */
describe('job runners per configured provider', () => {
  let apiOnly: TestApp;
  let worker: NestExpressApplication | undefined;
  let owner: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    // This node takes requests with Black Forest Labs configured, and runs no jobs.
    const bfl = new ScriptedProvider('black-forest-labs', ['flux-1.1-pro']);
    const wavespeed = new ScriptedProvider('wavespeed', ['ideogram-v3']);
    apiOnly = await startTestApp({ RUN_WORKERS: 'false' }, [scriptedRealRegistry(new ScriptedProvider('local'), [bfl, wavespeed])]);
    ({ owner, organization } = await fundedOrganization(apiOnly, 'runners-owner', 'Runners Inc', 1_000));
  });
  afterAll(async () => {
    await worker?.close();
    await apiOnly.close();
  });

  it('a job queued for a provider this worker node lacks is still picked up and ends', { timeout: 60_000 }, async () => {
    const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'flux-1.1-pro', width: 512, height: 512 },
      prompt: 'left in the queue',
    });
    expectStatus(submitted, 201);
    expect(submitted.body.job).toMatchObject({ status: 'queued', provider: 'black-forest-labs' });

    // A worker node with only Stability configured: it starts the local and Stability runners and,
    // for the job left queued, Black Forest Labs' runner too; no route runs the model there, so the
    // job ends refunded as unavailable instead of waiting in a queue nobody reads.
    const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', TRIAL_CREDITS: '0', STABILITY_API_KEY: 'sk-test', ...TEST_POOL_SIZES });
    worker = await createApp({ ...config, databaseUrl: apiOnly.database.url });
    await worker.listen(0, '127.0.0.1');
    const job = await waitForJob(owner.client, organization.id, submitted.body.job.id, 30_000);
    expect(job).toMatchObject({ status: 'failed', capturedCredits: null, error: { code: 'model_unavailable' } });

    // Queued later for yet another provider: the worker's periodic look adopts it.
    const later = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'ideogram-v3', width: 512, height: 512 },
      prompt: 'queued after the worker started',
    });
    expectStatus(later, 201);
    expect(later.body.job.provider).toBe('wavespeed');
    expect(await worker.get(QueueRepository).adoptQueuedProviders()).toEqual(['wavespeed']);
    expect(await waitForJob(owner.client, organization.id, later.body.job.id, 30_000)).toMatchObject({ status: 'failed', error: { code: 'model_unavailable' } });
  });
});
