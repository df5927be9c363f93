import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, SubmittedJobView } from '@atelier/contracts';
import { startTestApp, type TestApp } from './app.js';
import { ScriptedProvider, scriptedRegistry } from './scripted-provider.js';
import { expectStatus, fundedOrganization, waitForJob, type Member } from './world.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A member's jobs wait in their member's slots (one job running per slot, as many slots as the
 * org's per-member limit). A new job goes to a slot with nothing running: were it queued behind a
 * running job it would wait for that job to end, though the member may run more at once.
 *
 * Jobs start on notification, not on a poll: here the workers' poll is ten minutes apart, so a job
 * whose wake-up was missed would not start within the test. Before, a new job's notification woke
 * a worker of every runner of the node at once (the local provider's and the background tasks'),
 * and graphile-worker's look for a job locks every free member slot while it runs: the runner the
 * job was for often saw no free slot and went back to sleep, and the job waited for the poll.
 */
describe("a member's queue slots", () => {
  let server: TestApp;
  let provider: ScriptedProvider;
  let owner: Member;
  let organization: OrganizationView;

  beforeAll(async () => {
    provider = new ScriptedProvider();
    server = await startTestApp({ PROVIDER_CONCURRENCY_LOCAL: '4', QUEUE_POLL_INTERVAL_MS: '600000' }, [scriptedRegistry(provider)]);
    ({ owner, organization } = await fundedOrganization(server, 'slots-owner', 'Slots', 1_000));
    expectStatus(await owner.client.patch(`/orgs/${organization.id}`, { maxConcurrentJobsPerMember: 4 }), 200);
  });
  afterAll(async () => {
    provider.release();
    await server.close();
  });

  const submit = async (prompt: string): Promise<SubmittedJobView> => {
    const response = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt });
    expectStatus(response, 201);
    return response.body;
  };

  it('starts each new job at once while the member has a free slot, though the earlier ones are still running', { timeout: 60_000 }, async () => {
    provider.hold();
    const jobs: SubmittedJobView[] = [];
    for (let index = 0; index < 4; index += 1) {
      const started = provider.calls;
      const submitted = await submit(`slot ${String(index)}`);
      jobs.push(submitted);
      // The job starts (its provider call begins) while every earlier one is still held running.
      const running = await waitForJob(owner.client, organization.id, submitted.job.id, 10_000, (job) => job.status === 'running');
      expect(running.status).toBe('running');
      const deadline = Date.now() + 10_000;
      while (provider.calls < started + 1 && Date.now() < deadline) await pause(20);
      expect(provider.calls).toBe(started + 1);
    }
    provider.release();
    for (const job of jobs) expect((await waitForJob(owner.client, organization.id, job.job.id)).status).toBe('succeeded');
  });

  it('a job sent to an idle node starts at once, though every runner of the node wakes with it', { timeout: 60_000 }, async () => {
    for (let index = 0; index < 12; index += 1) {
      // The node is quiet when the job arrives: its notification is the only thing that can start it.
      await pause(300);
      const submitted = await submit(`idle node ${String(index)}`);
      expect((await waitForJob(owner.client, organization.id, submitted.job.id, 10_000)).status).toBe('succeeded');
    }
  });

  it("the next job in a member's only slot starts when the one before it ends", { timeout: 60_000 }, async () => {
    expectStatus(await owner.client.patch(`/orgs/${organization.id}`, { maxConcurrentJobsPerMember: 1 }), 200);
    for (let round = 0; round < 3; round += 1) {
      provider.hold();
      const first = await submit(`first ${String(round)}`);
      await waitForJob(owner.client, organization.id, first.job.id, 10_000, (job) => job.status === 'running');
      const second = await submit(`second ${String(round)}`);
      // Its own notification came while the slot was taken: nothing picked it up.
      await pause(300);
      expect((await waitForJob(owner.client, organization.id, second.job.id, 1_000, () => true)).status).toBe('queued');
      // The slot frees when the first job's completion commits, and that wakes a worker.
      provider.release();
      expect((await waitForJob(owner.client, organization.id, first.job.id, 10_000)).status).toBe('succeeded');
      expect((await waitForJob(owner.client, organization.id, second.job.id, 10_000)).status).toBe('succeeded');
    }
  });
});
