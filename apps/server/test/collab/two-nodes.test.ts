import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collabFields, workspaceDocumentName, type OrganizationView, type ProjectView, type WorkspaceView } from '@atelier/contracts';
import { CollabDocumentRepository } from '../../src/collab/collab-document.repository.js';
import { startTestApp, type TestApp } from '../app.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { addMember, expectStatus, signedUp, type Member } from '../world.js';
import { connect, createWorkspace, redisUnavailable, redisUrl, sleep, ticketFor, waitFor, Y, type CollabPeer } from './collab-client.js';

const unavailable = await redisUnavailable();
if (unavailable !== undefined) {
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`${unavailable}, and REQUIRE_REDIS=1`);
  console.warn(`Skipping the two-node collab tests: ${unavailable}. Set REQUIRE_REDIS=1 to fail instead.`);
}

describe.skipIf(unavailable !== undefined)('collaborative documents across two server processes (Redis)', () => {
  let api: TestApp | undefined;
  const nodes: ServerProcess[] = [];
  const urls: string[] = [];
  let dataDirectory: string | undefined;
  let owner: Member;
  let member: Member;
  let organization: OrganizationView;
  let project: ProjectView;
  const peers: CollabPeer[] = [];

  function open(who: Member, workspace: WorkspaceView, base: string, doc?: CollabPeer['doc']): CollabPeer {
    const peer = connect(base, workspaceDocumentName(workspace.id), async () => (await ticketFor(who.client, organization.id, workspace.id)).ticket, doc);
    peers.push(peer);
    return peer;
  }

  beforeAll(async () => {
    // The API (tickets) in this process; the two collab nodes are `src/main.ts` processes, API-only.
    api = await startTestApp();
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'atelier-collab-nodes-'));
    for (let index = 0; index < 2; index += 1) {
      nodes.push(runServer({ DATABASE_URL: api.database.url, REDIS_URL: redisUrl, PORT: String(await freePort()), RUN_WORKERS: 'false', DATA_DIR: dataDirectory }));
    }
    urls.push(...(await Promise.all(nodes.map((node) => node.ready()))));
    owner = await signedUp(api, 'nodes-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Two Node Studio' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(api, owner.client, organization.id, 'member', 'nodes-member');
    const projectResponse = await owner.client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Shared' });
    expectStatus(projectResponse, 201);
    project = projectResponse.body;
  }, 120_000);

  afterAll(async () => {
    for (const peer of peers) peer.destroy();
    for (const node of nodes) await node.stop();
    await api?.close();
    if (dataDirectory !== undefined) await rm(dataDirectory, { recursive: true, force: true });
  }, 60_000);

  it('two clients on different nodes co-edit and converge', async () => {
    const workspace = await createWorkspace(member.client, organization.id, project.id, 'Across nodes');
    const [urlA, urlB] = urls as [string, string];
    const alice = open(owner, workspace, urlA);
    const bob = open(member, workspace, urlB);
    await Promise.all([alice.synced(), bob.synced()]);
    for (let index = 0; index < 20; index += 1) {
      alice.doc.getText(collabFields.prompt).insert(0, 'a');
      bob.doc.getArray<number>('edits').push([index]);
      bob.doc.getText(collabFields.prompt).insert(bob.doc.getText(collabFields.prompt).length, 'b');
      await sleep(5);
    }
    await waitFor(() => alice.doc.getText(collabFields.prompt).length === 40 && bob.doc.getText(collabFields.prompt).length === 40 && alice.doc.getArray('edits').length === 20, 15_000, 'convergence across nodes');
    expect(alice.doc.getText(collabFields.prompt).toJSON()).toBe(bob.doc.getText(collabFields.prompt).toJSON());
  });

  it('a node killed (SIGKILL) while clients edit loses no edit once they reconnect to the other node', async () => {
    const workspace = await createWorkspace(member.client, organization.id, project.id, 'Survivor');
    const [urlA, urlB] = urls as [string, string];
    const nodeB = nodes[1];
    if (nodeB === undefined) throw new Error('no node B');
    const alice = open(owner, workspace, urlA);
    const bob = open(member, workspace, urlB);
    await Promise.all([alice.synced(), bob.synced()]);
    const bobEdits = bob.doc.getArray<number>('edits');
    const aliceEdits = alice.doc.getArray<string>('aliceEdits');
    let next = 0;
    const editing = setInterval(() => {
      bobEdits.push([next]);
      aliceEdits.push([`a${String(next)}`]);
      next += 1;
    }, 10);
    await sleep(300);
    nodeB.child.kill('SIGKILL');
    await nodeB.exited;
    await sleep(200); // bob keeps editing offline
    clearInterval(editing);
    const total = next;
    // Bob's document reconnects to the surviving node.
    bob.provider.destroy();
    const bobAgain = open(member, workspace, urlA, bob.doc);
    await bobAgain.synced(15_000);
    await waitFor(() => alice.doc.getArray('edits').length === total && bob.doc.getArray('aliceEdits').length === total, 15_000, `all ${String(total)} edits on both sides`);
    expect(alice.doc.getArray<number>('edits').toArray()).toEqual(Array.from({ length: total }, (_, index) => index));
    // And they are stored.
    await sleep(1_500);
    const state = await api?.app.get(CollabDocumentRepository).load(workspace.id);
    const stored = new Y.Doc();
    if (state !== undefined && state !== null) Y.applyUpdate(stored, state);
    expect(stored.getArray('edits').length).toBe(total);
    expect(stored.getArray('aliceEdits').length).toBe(total);
  }, 60_000);
});
