import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, type Ack, type CreatedApiKeyView, type OrganizationView, type SubmittedJobView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, expectStatus, signedUp, waitForJob, type Member } from '../world.js';
import { connect, cookieOf, presenceChange, type Connection } from './sockets.js';
import type { PresenceBatch } from '@atelier/contracts';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const; // 10 credits

describe('the realtime gateway (one node)', () => {
  let server: TestApp;
  let owner: Member;
  let member: Member;
  let outsider: Member;
  let organization: OrganizationView;
  let otherOrganization: OrganizationView;
  const connections: Connection[] = [];
  const open = async (options: Parameters<typeof connect>[1]): Promise<Connection> => {
    const connection = await connect(server.url, options);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    server = await startTestApp();
    owner = await signedUp(server, 'rt-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Realtime Inc' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(server, owner.client, organization.id, 'member', 'rt-member');
    await server.grantCredits(organization.id, 1_000);
    outsider = await signedUp(server, 'rt-outsider');
    const other = await outsider.client.post<OrganizationView>('/orgs', { name: 'Elsewhere Ltd' });
    expectStatus(other, 201);
    otherOrganization = other.body;
  });
  afterAll(async () => {
    for (const connection of connections) connection.close();
    await server.close();
  });

  it('refuses a socket without a session or with a bad one', async () => {
    await expect(connect(server.url)).rejects.toThrow(/unauthenticated/);
    await expect(connect(server.url, { cookie: 'atelier_session=not-a-session' })).rejects.toThrow(/unauthenticated/);
    await expect(connect(server.url, { token: 'not-a-key' })).rejects.toThrow(/unauthenticated/);
  });

  it('sends a snapshot on subscribe, then a newer balance when another member’s job is captured, and my budget to me', async () => {
    const watcher = await open({ cookie: cookieOf(member.client) });
    const author = await open({ cookie: cookieOf(owner.client) });
    const subscribed = await watcher.subscribe(organization.id, 'workspace-a');
    if (!subscribed.ok) throw new Error(JSON.stringify(subscribed.error));
    const { snapshot } = subscribed;
    expect(snapshot.organizationId).toBe(organization.id);
    expect(snapshot.pool).toMatchObject({ organizationId: organization.id, availableCredits: 1_000, pendingCredits: 0 });
    expect(snapshot.budget).toMatchObject({ organizationId: organization.id, userId: member.userId });
    expect(Array.isArray(snapshot.recentJobs)).toBe(true);
    expect(snapshot.presence).toEqual([expect.objectContaining({ userId: member.userId, name: 'rt-member', workspaceId: 'workspace-a' })]);

    const authorSubscribed = await author.subscribe(organization.id);
    expect(authorSubscribed.ok).toBe(true);
    const joined = await presenceChange(watcher, 'join', (change) => change.userId === owner.userId);
    expect(joined).toMatchObject({ organizationId: organization.id, name: 'rt-owner', workspaceId: null });

    const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'a live lighthouse', seed: 1 });
    expectStatus(submitted, 201);
    const job = await waitForJob(owner.client, organization.id, submitted.body.job.id);
    expect(job.status).toBe('succeeded');

    const captured = await watcher.waitFor('balance', (event) => event.postedCredits === 990);
    expect(captured).toMatchObject({ organizationId: organization.id, availableCredits: 990, pendingCredits: 0 });
    expect(compareVersions(captured.version, snapshot.pool.version)).toBeGreaterThan(0);
    const balances = watcher.received.filter((entry) => entry.event === 'balance').map((entry) => (entry.payload as { version: string }).version);
    expect(balances.length).toBeGreaterThanOrEqual(2); // the hold, then the capture
    const finished = await watcher.waitFor('job', (event) => event.job.id === job.id && event.job.status === 'succeeded');
    expect(finished).toMatchObject({ organizationId: organization.id, job: { authorId: owner.userId, capturedCredits: 10 } });

    // The author's budget goes to the author only.
    const budget = await author.waitFor('budget', (event) => event.budget.spentCredits === 10);
    expect(budget).toMatchObject({ organizationId: organization.id, userId: owner.userId, budget: { pendingCredits: 0 } });
    expect(compareVersions(budget.version, snapshot.pool.version)).toBeGreaterThan(0);
    expect(watcher.received.some((entry) => entry.event === 'budget')).toBe(false);

    // Presence: workspace changes and leaving.
    const changed = (await author.socket.timeout(5_000).emitWithAck('presence:workspace', { organizationId: organization.id, workspaceId: 'workspace-b' })) as Ack;
    expect(changed.ok).toBe(true);
    await presenceChange(watcher, 'update', (change) => change.userId === owner.userId && change.workspaceId === 'workspace-b');
    author.close();
    await presenceChange(watcher, 'leave', (change) => change.userId === owner.userId);
  });

  it('subscribing many sockets at once costs each watcher a few presence frames, not one per join, and every join arrives', async () => {
    const watcher = await open({ cookie: cookieOf(member.client) });
    expect((await watcher.subscribe(organization.id)).ok).toBe(true);
    const crowd = await Promise.all(Array.from({ length: 40 }, () => open({ cookie: cookieOf(owner.client) })));
    const answers = await Promise.all(crowd.map((socket) => socket.subscribe(organization.id, 'crowd')));
    expect(answers.every((answer) => answer.ok)).toBe(true);
    const ids = new Set(crowd.map((socket) => socket.socket.id ?? ''));
    const joinedIds = (): Set<string> =>
      new Set(watcher.received.filter((entry) => entry.event === 'presence:batch').flatMap((entry) => (entry.payload as PresenceBatch).changes.filter((change) => change.kind === 'join').map((change) => change.connectionId)));
    const deadline = Date.now() + 10_000;
    while ([...ids].some((id) => !joinedIds().has(id)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect([...ids].filter((id) => !joinedIds().has(id))).toEqual([]);
    const frames = watcher.received.filter((entry) => entry.event === 'presence:batch').length;
    expect(frames).toBeLessThanOrEqual(10); // 40 joins, batched a few times a second
    // The last subscriber's snapshot lists everyone in the room.
    const last = answers.at(-1);
    if (last === undefined || !last.ok) throw new Error('no snapshot');
    expect(last.snapshot.presence.length).toBeGreaterThanOrEqual(41);
    for (const socket of crowd) socket.close();
    await presenceChange(watcher, 'leave', (change) => change.connectionId === [...ids].at(-1));
  });

  it('never lets a client of another org subscribe to this org, nor see its events', async () => {
    const intruder = await open({ cookie: cookieOf(outsider.client) });
    const refused = await intruder.subscribe(organization.id);
    expect(refused).toEqual({ ok: false, error: { code: 'not_found', message: 'The organization was not found.' } });
    const unknown = await intruder.subscribe(crypto.randomUUID());
    expect(unknown).toEqual(refused);
    const malformed = await intruder.subscribe('org-1');
    expect(malformed.ok).toBe(false);
    const own = await intruder.subscribe(otherOrganization.id);
    expect(own.ok).toBe(true);

    const watcher = await open({ cookie: cookieOf(member.client) });
    expect((await watcher.subscribe(organization.id)).ok).toBe(true);
    const submitted = await member.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'not for outsiders', seed: 2 });
    expectStatus(submitted, 201);
    await waitForJob(member.client, organization.id, submitted.body.job.id);
    await watcher.waitFor('job', (event) => event.job.id === submitted.body.job.id && event.job.status === 'succeeded');
    await member.client.get('/auth/session'); // a round trip, so stray events would have arrived
    const leaked = intruder.received.filter((entry) => JSON.stringify(entry.payload).includes(organization.id));
    expect(leaked).toEqual([]);
    // The author got their budget and the alert-free path; the intruder's user room stayed quiet.
    expect(intruder.received.filter((entry) => entry.event === 'budget' || entry.event === 'balance' || entry.event === 'job')).toEqual([]);
  });

  it('accepts an API key (auth.token or Bearer) for its own org only', async () => {
    const key = await member.client.post<CreatedApiKeyView>(`/orgs/${organization.id}/api-keys`, { name: 'socket script' });
    expectStatus(key, 201);
    const viaAuth = await open({ token: key.body.secret });
    expect((await viaAuth.subscribe(organization.id)).ok).toBe(true);
    const viaHeader = await open({ bearer: key.body.secret });
    expect((await viaHeader.subscribe(organization.id)).ok).toBe(true);
    expect((await viaHeader.subscribe(otherOrganization.id)).ok).toBe(false);
  });

  it('takes a removed member’s sockets out of the org at once: no more events, the others see them leave', async () => {
    const leaver = await addMember(server, owner.client, organization.id, 'member', 'rt-leaver');
    const leaving = await open({ cookie: cookieOf(leaver.client) });
    const staying = await open({ cookie: cookieOf(owner.client) });
    expect((await staying.subscribe(organization.id)).ok).toBe(true);
    expect((await leaving.subscribe(organization.id)).ok).toBe(true);
    expectStatus(await owner.client.request('DELETE', `/orgs/${organization.id}/members/${leaver.userId}`), 204);
    await presenceChange(staying, 'leave', (change) => change.userId === leaver.userId);
    const before = leaving.received.length;
    const submitted = await owner.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'after they left', seed: 9 });
    expectStatus(submitted, 201);
    await staying.waitFor('job', (event) => event.job.id === submitted.body.job.id && event.job.status === 'succeeded');
    expect(leaving.received.slice(before).filter((entry) => JSON.stringify(entry.payload).includes(organization.id))).toEqual([]);
    expect((await leaving.subscribe(organization.id)).ok).toBe(false);
  });

  it('pushes a member their new budget at once when a manager changes it', async () => {
    const watcher = await open({ cookie: cookieOf(member.client) });
    expect((await watcher.subscribe(organization.id)).ok).toBe(true);
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: 4_321, period: 'week', allowedModels: ['flux-schnell'] }),
      200,
    );
    const pushed = await watcher.waitFor('budget', (event) => event.budget.limitCredits === 4_321);
    expect(pushed).toMatchObject({ organizationId: organization.id, userId: member.userId, budget: { period: 'week' }, allowedModels: ['flux-schnell'] });
    // Every model again, for the tests that follow.
    expectStatus(await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: 4_321, period: 'week', allowedModels: null }), 200);
    await watcher.waitFor('budget', (event) => event.allowedModels === null);
  });

  it('alerts the member when a capture uses up their budget', async () => {
    const current = await owner.client.get<{ spentCredits: number }>(`/orgs/${organization.id}/members/${member.userId}/budget`);
    expectStatus(current, 200);
    const limitCredits = current.body.spentCredits + 10;
    expectStatus(await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits, period: 'month' }), 200);
    const watcher = await open({ cookie: cookieOf(member.client) });
    expect((await watcher.subscribe(organization.id)).ok).toBe(true);
    const submitted = await member.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: 'the last credits', seed: 3 });
    expectStatus(submitted, 201);
    const alert = await watcher.waitFor('alert');
    expect(alert).toMatchObject({ organizationId: organization.id, kind: 'budget_exhausted' });
    const budget = await watcher.waitFor('budget', (event) => event.budget.remainingCredits === 0 && event.budget.pendingCredits === 0);
    expect(budget.budget.limitCredits).toBe(limitCredits);
  });
});
