import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GalleryPage, OrganizationView, PoolView, SubmittedJobView } from '@atelier/contracts';
import { JobsRepository } from '../src/jobs/jobs.repository.js';
import { startTestApp, type TestApp } from './app.js';
import { ledgerOf } from './ledger-of.js';
import { expectStatus, fundedOrganization, waitForJob, type Member } from './world.js';

/**
 * The database went away between a job's capture and its row's update (found by the Postgres
 * outage fault run: the retry saw the hold resolved, ended the job "refunded" and discarded its
 * image, while the pool had paid for it). The capture stands, so the job must end succeeded.
 */
describe('a job whose ending was cut short after its capture', () => {
  let server: TestApp;
  let owner: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    server = await startTestApp({ LOCAL_PROVIDER_LATENCY_MS: '50' });
    ({ owner, organization } = await fundedOrganization(server, 'cut-owner', 'Cut Short', 100));
  });
  afterAll(async () => {
    await server.close();
  });

  it('ends succeeded on its retry, charged once, its image kept in the gallery', { timeout: 60_000 }, async () => {
    const jobs = server.app.get(JobsRepository);
    const succeed = jobs.succeed.bind(jobs);
    let cut = 0;
    jobs.succeed = async (...args) => {
      if (cut === 0) {
        cut += 1;
        throw new Error('Connection terminated unexpectedly');
      }
      return succeed(...args);
    };
    try {
      const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, {
        request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 },
        prompt: 'cut short after the capture',
      });
      expectStatus(submitted, 201);
      const job = await waitForJob(owner.client, organization.id, submitted.body.job.id, 30_000);
      expect(cut).toBe(1);
      expect(job).toMatchObject({ status: 'succeeded', capturedCredits: 10, imagesDone: 1, error: null });
      expect(job.assetIds).toHaveLength(1);
      const pool = (await owner.client.get<PoolView>(`/orgs/${organization.id}/pool`)).body;
      expect(pool).toMatchObject({ availableCredits: 90, pendingCredits: 0, postedCredits: 90 });
      const gallery = await owner.client.get<GalleryPage>(`/orgs/${organization.id}/assets`);
      expect(gallery.body.assets.map((asset) => asset.jobId)).toEqual([job.id]);
      expect((await ledgerOf(server.app).checkInvariants(organization.id)).ok).toBe(true);
    } finally {
      jobs.succeed = succeed;
    }
  });
});
