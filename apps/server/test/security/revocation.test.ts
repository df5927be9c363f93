import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedApiKeyView, OrganizationView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { ApiClient } from '../client.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { addMember, expectStatus, signedUp, type Member } from '../world.js';
import { connect, cookieOf, redisUnavailable, redisUrl, type Connection } from '../realtime/sockets.js';
import { connect as connectCollab, createWorkspace, ticketFor, waitFor, type CollabPeer } from '../collab/collab-client.js';
import { CREDENTIALS_REVOKED } from '../../src/collab/collab.server.js';

const unavailable = await redisUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${unavailable}, and REQUIRE_REDIS=1`);
  console.warn(`Skipping the revocation tests: ${unavailable}. Set REQUIRE_REDIS=1 to fail instead.`);
}

/** Resolves with how long the socket took to be disconnected by the server, from now. */
function disconnection(connection: Connection): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (!connection.socket.connected) {
      resolve(0);
      return;
    }
    connection.socket.once('disconnect', () => {
      resolve(Date.now() - started);
    });
  });
}

describe.skipIf(unavailable !== undefined)('revoked credentials lose their open sockets and collab connections at once, on every node', () => {
  let nodeA: TestApp | undefined;
  let nodeB: ServerProcess | undefined;
  let nodeBUrl: string;
  let dataDirectory: string | undefined;
  let owner: Member;
  let organization: OrganizationView;
  let workspaceId: string;
  const connections: Connection[] = [];
  const peers: CollabPeer[] = [];

  beforeAll(async () => {
    nodeA = await startTestApp({ REDIS_URL: redisUrl });
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'atelier-revocation-b-'));
    nodeB = runServer({ DATABASE_URL: nodeA.database.url, REDIS_URL: redisUrl, PORT: String(await freePort()), RUN_WORKERS: 'false', DATA_DIR: dataDirectory });
    nodeBUrl = await nodeB.ready();
    owner = await signedUp(nodeA, 'revocation-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Revocation Inc' });
    expectStatus(created, 201);
    organization = created.body;
    workspaceId = (await createWorkspace(owner.client, organization.id, (await owner.client.post<{ id: string }>(`/orgs/${organization.id}/projects`, { name: 'p' })).body.id)).id;
  }, 120_000);

  afterAll(async () => {
    for (const connection of connections) connection.close();
    for (const peer of peers) peer.destroy();
    await nodeB?.stop();
    await nodeA?.close();
    if (dataDirectory !== undefined) await rm(dataDirectory, { recursive: true, force: true });
  });

  async function socketOn(url: string, options: Parameters<typeof connect>[1]): Promise<Connection> {
    const connection = await connect(url, options);
    connections.push(connection);
    expect(await connection.subscribe(organization.id)).toMatchObject({ ok: true });
    return connection;
  }

  async function collabOn(url: string, client: ApiClient): Promise<CollabPeer> {
    const peer = connectCollab(url, `workspace:${workspaceId}`, async () => (await ticketFor(client, organization.id, workspaceId)).ticket);
    peers.push(peer);
    await peer.synced();
    return peer;
  }

  it('signing out closes that session’s socket and collab connection on the other node within a second; another session stays', async () => {
    const member = await addMember(nodeA as TestApp, owner.client, organization.id, 'member', 'revocation-sign-out');
    const laptop = new ApiClient(nodeA?.url ?? '');
    expectStatus(await laptop.signIn(member.email), 200);
    const phoneSocket = await socketOn(nodeBUrl, { cookie: cookieOf(member.client) });
    const laptopSocket = await socketOn(nodeBUrl, { cookie: cookieOf(laptop) });
    const phoneCollab = await collabOn(nodeBUrl, member.client);

    const phoneGone = disconnection(phoneSocket);
    const started = Date.now();
    expectStatus(await member.client.post('/auth/sign-out'), 204);
    expect(await phoneGone).toBeLessThan(1_000);
    await waitFor(() => phoneCollab.closes.some((close) => close.reason.startsWith(CREDENTIALS_REVOKED.reason)), 1_000, `the collab connection to close (closes: ${JSON.stringify(phoneCollab.closes)})`);
    expect(Date.now() - started).toBeLessThan(1_000);
    // The signed-out session cannot get back in; the laptop's socket is untouched.
    phoneCollab.destroy();
    await expect(connect(nodeBUrl, { cookie: cookieOf(member.client) })).rejects.toThrow();
    expect(laptopSocket.socket.connected).toBe(true);
  });

  it('revoking an API key disconnects the sockets it opened, on both nodes', async () => {
    const member = await addMember(nodeA as TestApp, owner.client, organization.id, 'member', 'revocation-key');
    const key = await member.client.post<CreatedApiKeyView>(`/orgs/${organization.id}/api-keys`, { name: 'script' });
    expectStatus(key, 201);
    const onA = await socketOn(nodeA?.url ?? '', { bearer: key.body.secret });
    const onB = await socketOn(nodeBUrl, { token: key.body.secret });
    const session = await socketOn(nodeBUrl, { cookie: cookieOf(member.client) });
    const gone = Promise.all([disconnection(onA), disconnection(onB)]);
    expectStatus(await owner.client.delete(`/orgs/${organization.id}/api-keys/${key.body.id}`), 204);
    expect(Math.max(...(await gone))).toBeLessThan(1_000);
    expect(session.socket.connected).toBe(true);
  });

  it('signing out everywhere disconnects every session socket of the person', async () => {
    const member = await addMember(nodeA as TestApp, owner.client, organization.id, 'member', 'revocation-everywhere');
    const other = new ApiClient(nodeA?.url ?? '');
    expectStatus(await other.signIn(member.email), 200);
    const sockets = [await socketOn(nodeA?.url ?? '', { cookie: cookieOf(member.client) }), await socketOn(nodeBUrl, { cookie: cookieOf(other) })];
    const gone = Promise.all(sockets.map(disconnection));
    expectStatus(await member.client.post('/auth/sign-out-everywhere'), 204);
    expect(Math.max(...(await gone))).toBeLessThan(1_000);
  });

  it('a password reset signs out everywhere and revokes the API keys (the email says so), closing their sockets and collab connections', async () => {
    const member = await addMember(nodeA as TestApp, owner.client, organization.id, 'member', 'revocation-reset');
    const key = await member.client.post<CreatedApiKeyView>(`/orgs/${organization.id}/api-keys`, { name: 'script' });
    expectStatus(key, 201);
    const session = await socketOn(nodeBUrl, { cookie: cookieOf(member.client) });
    const script = await socketOn(nodeA?.url ?? '', { bearer: key.body.secret });
    const collab = await collabOn(nodeA?.url ?? '', member.client);

    const anonymous = new ApiClient(nodeA?.url ?? '');
    expectStatus(await anonymous.post('/auth/password-reset', { email: member.email }), 202);
    const mail = nodeA?.outbox.findLast((candidate) => candidate.to === member.email);
    expect(mail?.text).toContain('revokes your API keys');
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail?.text ?? '')?.[1] ?? '';
    const gone = Promise.all([disconnection(session), disconnection(script)]);
    expectStatus(await anonymous.post('/auth/password-reset/confirm', { token, password: 'a brand new password' }), 204);
    expect(Math.max(...(await gone))).toBeLessThan(1_000);
    await waitFor(() => collab.closes.some((close) => close.reason.startsWith(CREDENTIALS_REVOKED.reason)), 1_000, 'the collab connection to close');

    const scripted = new ApiClient(nodeA?.url ?? '');
    scripted.apiKey = key.body.secret;
    expect((await scripted.get(`/orgs/${organization.id}/pool`)).status).toBe(401);
    await expect(connect(nodeBUrl, { bearer: key.body.secret })).rejects.toThrow();
  });
});
