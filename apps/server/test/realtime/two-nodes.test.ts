import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, type AlertEvent, type NotificationPage, type OrganizationView, type SubmittedJobView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { ApiClient } from '../client.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { addMember, expectStatus, signedUp, waitForJob, type Member } from '../world.js';
import { connect, cookieOf, presenceChange, redisUnavailable, redisUrl, type Connection } from './sockets.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const; // 10 credits

const unavailable = await redisUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${unavailable}, and REQUIRE_REDIS=1`);
  console.warn(`Skipping the two-node realtime tests: ${unavailable}. Set REQUIRE_REDIS=1 to fail instead.`);
}

describe.skipIf(unavailable !== undefined)('realtime across two server processes (Redis adapter)', () => {
  let nodeA: TestApp | undefined;
  let nodeB: ServerProcess | undefined;
  let nodeBUrl: string;
  let dataDirectory: string | undefined;
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;
  const connections: Connection[] = [];

  beforeAll(async () => {
    // Node A: in this process, running the workers. Node B: `src/main.ts` in its own process, API only.
    nodeA = await startTestApp({ REDIS_URL: redisUrl });
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'atelier-realtime-b-'));
    nodeB = runServer({
      DATABASE_URL: nodeA.database.url,
      REDIS_URL: redisUrl,
      PORT: String(await freePort()),
      RUN_WORKERS: 'false',
      DATA_DIR: dataDirectory,
    });
    nodeBUrl = await nodeB.ready();
    owner = await signedUp(nodeA, 'two-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Two Nodes Inc' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(nodeA, owner.client, organization.id, 'member', 'two-member');
    await nodeA.grantCredits(organization.id, 500);
  }, 120_000);

  afterAll(async () => {
    for (const connection of connections) connection.close();
    await nodeB?.stop();
    await nodeA?.close();
    if (dataDirectory !== undefined) await rm(dataDirectory, { recursive: true, force: true });
  });

  it('a capture on node A reaches an org client connected to node B', async () => {
    // The member watches through node B with the session made on node A (same database).
    const watcher = await connect(nodeBUrl, { cookie: cookieOf(member.client) });
    connections.push(watcher);
    const subscribed = await watcher.subscribe(organization.id);
    if (!subscribed.ok) throw new Error(JSON.stringify(subscribed.error));
    expect(subscribed.snapshot.pool).toMatchObject({ availableCredits: 500, postedCredits: 500 });
    // The owner is connected to node A: node B's subscriber sees them (presence across nodes).
    const ownerOnA = await connect(nodeA!.url, { cookie: cookieOf(owner.client) });
    connections.push(ownerOnA);
    const ownerSubscribed = await ownerOnA.subscribe(organization.id, 'ws-1');
    if (!ownerSubscribed.ok) throw new Error(JSON.stringify(ownerSubscribed.error));
    expect(ownerSubscribed.snapshot.presence.map((entry) => entry.userId).sort()).toEqual([member.userId, owner.userId].sort());
    await presenceChange(watcher, 'join', (change) => change.userId === owner.userId && change.workspaceId === 'ws-1');

    const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'across nodes', seed: 9 });
    expectStatus(submitted, 201);
    const job = await waitForJob(owner.client, organization.id, submitted.body.job.id);
    expect(job.status).toBe('succeeded');

    const balance = await watcher.waitFor('balance', (event) => event.postedCredits === 490);
    expect(balance).toMatchObject({ organizationId: organization.id, availableCredits: 490, pendingCredits: 0 });
    expect(compareVersions(balance.version, subscribed.snapshot.pool.version)).toBeGreaterThan(0);
    const finished = await watcher.waitFor('job', (event) => event.job.id === job.id && event.job.status === 'succeeded');
    expect(finished.organizationId).toBe(organization.id);
    // The author's own budget reaches them on node A; node B's member never gets someone else's.
    await ownerOnA.waitFor('budget', (event) => event.budget.spentCredits === 10);
    expect(watcher.received.some((entry) => entry.event === 'budget')).toBe(false);
  });

  it('an alert fires once when holds on both nodes cross a threshold together, and reaches a socket on either node once', async () => {
    const racer = await addMember(nodeA!, owner.client, organization.id, 'member', 'two-racer');
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${racer.userId}/budget`, { limitCredits: 100, period: 'month', alertThresholdsPercent: [50] }),
      200,
    );
    const onB = new ApiClient(nodeBUrl);
    expectStatus(await onB.signIn(racer.email), 200);
    const watcher = await connect(nodeBUrl, { cookie: cookieOf(racer.client) });
    connections.push(watcher);
    expect((await watcher.subscribe(organization.id)).ok).toBe(true);

    // Ten 10-credit jobs at once, half through each node: both nodes see the 50% line crossed.
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        (index % 2 === 0 ? racer.client : onB).post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: `race ${String(index)}`, seed: index + 1 }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    await Promise.all(responses.map((response) => waitForJob(racer.client, organization.id, response.body.job.id)));

    const kinds = async (): Promise<string[]> => {
      const page = await racer.client.get<NotificationPage>(`/orgs/${organization.id}/notifications`);
      return page.body.notifications.map((notification) => notification.kind).sort();
    };
    await watcher.waitFor('alert', (event) => event.kind === 'budget_exhausted');
    await watcher.waitFor('alert', (event) => event.kind === 'budget_threshold');
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything late would have arrived
    expect(await kinds()).toEqual(['budget_exhausted', 'budget_threshold']);
    expect(watcher.received.filter((entry) => entry.event === 'alert').map((entry) => (entry.payload as AlertEvent).kind).sort()).toEqual(['budget_exhausted', 'budget_threshold']);
  });
});
