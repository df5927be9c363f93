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
