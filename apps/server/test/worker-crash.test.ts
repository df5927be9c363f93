import { ledgerOf } from './ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, PoolView, SubmittedJobView } from '@atelier/contracts';
import { SweeperService } from '../src/jobs/sweeper.service.js';
import { startTestApp, type TestApp } from './app.js';
import { freePort, runServer, type ServerProcess } from './server-process.js';
import { expectStatus, signedUp, waitForJob, type Member } from './world.js';

describe('a worker process killed in the middle of a job', () => {
  let api: TestApp;
  let owner: Member;
  let organization: OrganizationView;
  let worker: ServerProcess | undefined;

  beforeAll(async () => {
    // This process only takes requests; the job runs in a separate worker process.
    api = await startTestApp({ RUN_WORKERS: 'false' });
    owner = await signedUp(api, 'crash-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Crash Test' });
    expectStatus(created, 201);
    organization = created.body;
    await api.grantCredits(organization.id, 100);
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await api.close();
  });

  it('ends with the hold released exactly once, by the sweeper, and the job marked refunded', { timeout: 120_000 }, async () => {
    worker = runServer({
      DATABASE_URL: api.database.url,
      PORT: String(await freePort()),
      LOCAL_PROVIDER_LATENCY_MS: '60000',
      JOB_RUNNING_HOLD_TTL_MS: '1500',
      JOB_HOLD_EXTEND_INTERVAL_MS: '300',
      SWEEP_INTERVAL_MS: '600000',
    });
    await worker.ready();
    const before = (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
    const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
      prompt: 'interrupted',
    });
    expectStatus(submitted, 201);
    const jobId = submitted.body.job.id;
    await waitForJob(owner.client, organization.id, jobId, 30_000, (job) => job.status === 'running');
    // Let the worker extend the hold a few times, then kill it without a chance to clean up.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    worker.child.kill('SIGKILL');
    await worker.exited;

    const ledger = ledgerOf(api.app);
    expect((await ledger.getHold(jobId))?.status).toBe('pending'); // nobody resolved it yet
    const sweeper = api.app.get(SweeperService);
    expect(await sweeper.sweep()).toEqual([]); // not before its expiry: a live worker would still be extending it

    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await sweeper.sweep()).toEqual([jobId]);
    expect(await sweeper.sweep()).toEqual([]); // exactly once

    const job = await waitForJob(owner.client, organization.id, jobId);
    expect(job).toMatchObject({ status: 'failed', capturedCredits: null, error: { code: 'hold_expired' } });
    const hold = await ledger.getHold(jobId);
    expect(hold?.status).toBe('expired');
    const after = (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
    expect(after).toMatchObject({ availableCredits: before.availableCredits, postedCredits: before.postedCredits, pendingCredits: 0 });
    const invariants = await ledger.checkInvariants(organization.id);
    expect(invariants.ok).toBe(true);

    // A worker that comes back later must not revive it.
    const capture = await ledger.capture({ holdId: jobId, amountCredits: 10n });
    expect(capture.ok).toBe(false);
  });
});
