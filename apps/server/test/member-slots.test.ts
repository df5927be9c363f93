import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, SubmittedJobView } from '@atelier/contracts';
import { startTestApp, type TestApp } from './app.js';
import { ScriptedProvider, scriptedRegistry } from './scripted-provider.js';
import { expectStatus, fundedOrganization, waitForJob, type Member } from './world.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const;

/**
 * A member's jobs wait in their member's slots (one job running per slot, as many slots as the
 * org's per-member limit). A new job goes to a slot with nothing running: were it queued behind a
 * running job it would wait for that job to end, though the member may run more at once.
 */
describe("a member's queue slots", () => {
  let server: TestApp;
  let provider: ScriptedProvider;
  let owner: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    provider = new ScriptedProvider();
    server = await startTestApp({ PROVIDER_CONCURRENCY_LOCAL: '4' }, [scriptedRegistry(provider)]);
    ({ owner, organization } = await fundedOrganization(server, 'slots-owner', 'Slots', 1_000));
    expectStatus(await owner.client.patch(`/orgs/${organization.id}`, { maxConcurrentJobsPerMember: 4 }), 200);
  });
  afterAll(async () => {
    provider.release();
    await server.close();
  });

  it('starts each new job at once while the member has a free slot, though the earlier ones are still running', { timeout: 60_000 }, async () => {
    provider.hold();
    const jobs: SubmittedJobView[] = [];
    for (let index = 0; index < 4; index += 1) {
      const started = provider.calls;
      const response = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: `slot ${String(index)}` });
      expectStatus(response, 201);
      jobs.push(response.body);
      // The job starts (its provider call begins) while every earlier one is still held running.
      const running = await waitForJob(owner.client, organization.id, response.body.job.id, 10_000, (job) => job.status === 'running');
      expect(running.status).toBe('running');
      const deadline = Date.now() + 10_000;
      while (provider.calls < started + 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(provider.calls).toBe(started + 1);
    }
    provider.release();
    for (const job of jobs) expect((await waitForJob(owner.client, organization.id, job.job.id)).status).toBe('succeeded');
  });
});
