import { ledgerOf } from './ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, PoolView, SubmittedJobView } from '@atelier/contracts';
import { startTestApp, type TestApp } from './app.js';
import { freePort, runServer, type ServerProcess } from './server-process.js';
import { expectStatus, signedUp, waitForJob, type Member } from './world.js';

/**
 * A worker node killed mid-job must not leave its job (and the member's queue behind it) locked
 * for graphile-worker's 4 hours: a live node notices the silent worker and frees its locks, and
 * the job resumes there, charged once.
 */
describe('a worker node killed mid-job, another node alive', () => {
  let api: TestApp;
  let owner: Member;
  let organization: OrganizationView;
  const nodes: ServerProcess[] = [];

  beforeAll(async () => {
    api = await startTestApp({ RUN_WORKERS: 'false' });
    owner = await signedUp(api, 'dead-worker-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Dead Worker' });
    expectStatus(created, 201);
    organization = created.body;
    await api.grantCredits(organization.id, 100);
  });
  afterAll(async () => {
    for (const node of nodes) node.child.kill('SIGKILL');
    await api.close();
  });

  it('frees the dead worker\'s job within seconds; it finishes on the live node and is charged once', { timeout: 120_000 }, async () => {
    const doomed = runServer({ DATABASE_URL: api.database.url, PORT: String(await freePort()), LOCAL_PROVIDER_LATENCY_MS: '60000' });
    nodes.push(doomed);
    await doomed.ready();
    const before = (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
    const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
      prompt: 'resumed elsewhere',
    });
    expectStatus(submitted, 201);
    const jobId = submitted.body.job.id;
    const price = submitted.body.job.priceCredits;
    await waitForJob(owner.client, organization.id, jobId, 30_000, (job) => job.status === 'running');
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const killedAt = Date.now();
    const survivor = runServer({ DATABASE_URL: api.database.url, PORT: String(await freePort()), WORKER_SILENT_AFTER_MS: '2000' });
    nodes.push(survivor);
    await survivor.ready();
    const job = await waitForJob(owner.client, organization.id, jobId, 60_000, (current) => current.status === 'succeeded' || current.status === 'failed');
    expect(job).toMatchObject({ status: 'succeeded', capturedCredits: price });
    // Seconds, not graphile-worker's 4-hour lock expiry nor the hold's expiry (2 minutes by default).
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    const after = (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
    expect(after).toMatchObject({ availableCredits: before.availableCredits - price, pendingCredits: 0 });
    expect((await ledgerOf(api.app).checkInvariants(organization.id)).ok).toBe(true);
  });
});
