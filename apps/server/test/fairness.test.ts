import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrganizationView, SubmittedJobView } from '@atelier/contracts';
import type { GeneratedImage, GenerationInput } from '../src/providers/provider.js';
import { startTestApp, type TestApp } from './app.js';
import { ScriptedProvider, scriptedRegistry } from './scripted-provider.js';
import { addMember, expectStatus, signedUp, waitForJob, type Member } from './world.js';

/** Counts how many calls run at once, each taking a little while. */
class SlowCountingProvider extends ScriptedProvider {
  running = 0;
  mostAtOnce = 0;
  runningByAuthor = new Map<string, number>();
  mostAtOnceByAuthor = new Map<string, number>();
  readonly startOrder: string[] = [];

  override async generate(input: GenerationInput): Promise<GeneratedImage> {
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    this.startOrder.push(input.prompt);
    const author = input.prompt.split(' ')[0] ?? '';
    const mine = (this.runningByAuthor.get(author) ?? 0) + 1;
    this.runningByAuthor.set(author, mine);
    this.mostAtOnceByAuthor.set(author, Math.max(this.mostAtOnceByAuthor.get(author) ?? 0, mine));
    try {
      await new Promise((resolve) => setTimeout(resolve, 400));
      return await super.generate(input);
    } finally {
      this.running -= 1;
      this.runningByAuthor.set(author, (this.runningByAuthor.get(author) ?? 1) - 1);
    }
  }
}

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const;

describe('queue fairness and concurrency limits', () => {
  let server: TestApp;
  let provider: SlowCountingProvider;
  let organization: OrganizationView;
  let busy: Member;
  let other: Member;

  beforeAll(async () => {
    provider = new SlowCountingProvider();
    server = await startTestApp({ PROVIDER_CONCURRENCY_LOCAL: '2' }, [scriptedRegistry(provider)]);
    const owner = await signedUp(server, 'fair-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Fair' });
    expectStatus(created, 201);
    organization = created.body;
    expectStatus(await owner.client.patch(`/orgs/${organization.id}`, { maxConcurrentJobsPerMember: 1 }), 200);
    busy = await addMember(server, owner.client, organization.id, 'member', 'busy');
    other = await addMember(server, owner.client, organization.id, 'member', 'other');
    await server.grantCredits(organization.id, 1_000);
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs at most the per-member limit of one member at once, and a later member is not starved', { timeout: 60_000 }, async () => {
    const burst: SubmittedJobView[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await busy.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: `busy ${String(index)}` });
      expectStatus(response, 201);
      burst.push(response.body);
    }
    const late = await other.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'other 0' });
    expectStatus(late, 201);

    const lateDone = await waitForJob(other.client, organization.id, late.body.job.id);
    expect(lateDone.status).toBe('succeeded');
    // The busy member's limit is 1, so the second worker was free for the other member: their
    // job did not wait behind the whole burst (first in, first out would have run it last).
    const position = provider.startOrder.indexOf('other 0');
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThan(burst.length);
    for (const job of burst) await waitForJob(busy.client, organization.id, job.job.id);
    expect(provider.mostAtOnce).toBeLessThanOrEqual(2); // the provider's concurrency on this node
    expect(provider.mostAtOnceByAuthor.get('busy')).toBe(1); // the org's per-member limit
  });
});

describe('queue fairness across orgs (the default per-member limit, above the provider\'s concurrency)', () => {
  let server: TestApp;
  let provider: SlowCountingProvider;
  let busyOrg: OrganizationView;
  let quietOrg: OrganizationView;
  let busy: Member;
  let teammate: Member;
  let quiet: Member;

  beforeAll(async () => {
    provider = new SlowCountingProvider();
    server = await startTestApp({ PROVIDER_CONCURRENCY_LOCAL: '2' }, [scriptedRegistry(provider)]);
    const busyOwner = await signedUp(server, 'busy-owner');
    const quietOwner = await signedUp(server, 'quiet-owner');
    busyOrg = (await busyOwner.client.post<OrganizationView>('/orgs', { name: 'Busy' })).body;
    quietOrg = (await quietOwner.client.post<OrganizationView>('/orgs', { name: 'Quiet' })).body;
    busy = await addMember(server, busyOwner.client, busyOrg.id, 'member', 'busy');
    teammate = await addMember(server, busyOwner.client, busyOrg.id, 'member', 'teammate');
    quiet = await addMember(server, quietOwner.client, quietOrg.id, 'member', 'quiet');
    await server.grantCredits(busyOrg.id, 1_000);
    await server.grantCredits(quietOrg.id, 1_000);
  });
  afterAll(async () => {
    await server.close();
  });

  it('runs another org\'s job, and a teammate\'s, next instead of behind one member\'s backlog, and counts places in line within the org', { timeout: 60_000 }, async () => {
    // One member scripts 12 jobs: the two workers are theirs, and 10 wait.
    const burst: SubmittedJobView[] = [];
    /** When each submit's answer came: its job's priority was set before. */
    const answeredAt: number[] = [];
    for (let index = 0; index < 12; index += 1) {
      const response = await busy.client.post<SubmittedJobView>(`/orgs/${busyOrg.id}/jobs`, { request: schnell, prompt: `busy ${String(index)}` });
      expectStatus(response, 201);
      burst.push(response.body);
      answeredAt.push(Date.now());
    }
    // The k-th job sent has at most k − 1 ahead of it (fewer once some have started).
    const positions = burst.map((job) => job.job.queuePosition ?? 0);
    expect(positions.filter((position, index) => position < 1 || position > index + 1)).toEqual([]);
    expect(positions.at(-1)).toBeGreaterThanOrEqual(8);
    while (provider.startOrder.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));

    const quietJob = await quiet.client.post<SubmittedJobView>(`/orgs/${quietOrg.id}/jobs`, { request: schnell, prompt: 'quiet 0' });
    expectStatus(quietJob, 201);
    // The other org's queue is empty: first in its line, whatever the busy org has queued.
    expect(quietJob.body.job.queuePosition).toBe(1);
    const teammateJob = await teammate.client.post<SubmittedJobView>(`/orgs/${busyOrg.id}/jobs`, { request: schnell, prompt: 'teammate 0' });
    expectStatus(teammateJob, 201);
    // Ahead of the teammate: only the busy member's next job (queued before, at the same depth).
    expect(teammateJob.body.job.queuePosition).toBeLessThanOrEqual(2);
    const busyNext = await busy.client.get<{ queuePosition: number | null; status: string }>(`/orgs/${busyOrg.id}/jobs/${burst[11]?.job.id ?? ''}`);
    if (busyNext.body.status === 'queued') expect(busyNext.body.queuePosition).toBeGreaterThan(1);

    await waitForJob(quiet.client, quietOrg.id, quietJob.body.job.id);
    await waitForJob(teammate.client, busyOrg.id, teammateJob.body.job.id);
    // First in, first out would have started them 13th and 14th, after the whole burst.
    expect(provider.startOrder.indexOf('quiet 0')).toBeLessThan(5);
    expect(provider.startOrder.indexOf('teammate 0')).toBeLessThan(5);
    for (const job of burst) await waitForJob(busy.client, busyOrg.id, job.job.id);
    // The busy member's own jobs kept their order in the queue: no job got a lower priority than
    // an earlier one of theirs that was still waiting when it was placed (one that had started by
    // then no longer counts: a member whose jobs all run starts again from 0).
    const pool = new pg.Pool({ connectionString: server.database.url, max: 1 });
    const rows = await pool.query<{ id: string; queue_priority: number; started_at: Date }>(
      `select id, queue_priority, started_at from jobs where id = any($1::uuid[])`,
      [burst.map((job) => job.job.id)],
    );
    await pool.end();
    const byId = new Map(rows.rows.map((row) => [row.id, row]));
    const sent = burst.map((job) => byId.get(job.job.id)!);
    const overtaken = sent.flatMap((later, j) =>
      sent.slice(0, j).filter((earlier) => earlier.started_at.getTime() > answeredAt[j]! && later.queue_priority < earlier.queue_priority).map((earlier) => `${earlier.id} before ${later.id}`),
    );
    expect(overtaken).toEqual([]);
    expect(Math.max(...sent.map((row) => row.queue_priority))).toBeGreaterThan(0);
    expect(provider.mostAtOnce).toBeLessThanOrEqual(2);
  });
});
