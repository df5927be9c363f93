import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceDocumentName, type OrganizationView, type ProjectView, type WorkspaceView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { freePort, runServer, type ServerProcess } from '../server-process.js';
import { expectStatus, signedUp, type Member } from '../world.js';
import { connect, createWorkspace, sleep, ticketFor, waitFor, Y, type CollabPeer } from '../collab/collab-client.js';
import { seededRandom, stillRunning } from './harness.js';
import { startPrivateRedis, type PrivateRedis } from './redis-server.js';
import { startBalancingProxy, type BalancingProxy } from './tcp-proxy.js';

const EDITORS = 20;
const WORKSPACES = 4;
const SHUTDOWN_TIMEOUT_MS = 10_000;

/** One editor: pushes numbered edits to its own array, and counts how many the server acknowledged. */
interface Editor {
  peer: CollabPeer;
  workspace: WorkspaceView;
  key: string;
  pushed: number;
  /** Edits acknowledged so far (all of them, whenever the provider has no unsynced change left). */
  acknowledged: number;
  /** `acknowledged` when its connection to the stopping node closed; undefined while open. */
  acknowledgedByStoppingNode: number | undefined;
  closedAt: number | undefined;
}

async function storedArrays(databaseUrl: string, workspaceIds: string[]): Promise<Map<string, number[]>> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const rows = await pool.query<{ workspace_id: string; state: Buffer }>('select workspace_id, state from collab_documents where workspace_id = any($1::uuid[])', [workspaceIds]);
    const arrays = new Map<string, number[]>();
    for (const row of rows.rows) {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, new Uint8Array(row.state));
      for (const [name] of doc.share) arrays.set(`${row.workspace_id}/${name}`, doc.getArray<number>(name).toArray());
    }
    return arrays;
  } finally {
    await pool.end();
  }
}

function editorOn(base: string, workspace: WorkspaceView, key: string, ticket: () => Promise<string>): Editor {
  const peer = connect(base, workspaceDocumentName(workspace.id), ticket);
  const editor: Editor = { peer, workspace, key, pushed: 0, acknowledged: 0, acknowledgedByStoppingNode: undefined, closedAt: undefined };
  peer.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
    if (number === 0) editor.acknowledged = editor.pushed;
  });
  peer.provider.on('close', () => {
    if (editor.closedAt !== undefined) return;
    editor.closedAt = Date.now();
    editor.acknowledgedByStoppingNode = editor.acknowledged;
  });
  return editor;
}

/** Each editor pushes its next number, 70 % of the time, every 25 ms, until `stop()`. */
function typeSteadily(editors: Editor[], seed: number): { stop(): Promise<void> } {
  const random = seededRandom(seed);
  const state = { editing: true };
  const typing = (async () => {
    while (state.editing) {
      for (const editor of editors) {
        if (random() < 0.7) {
          editor.peer.doc.getArray<number>(editor.key).push([editor.pushed]);
          editor.pushed += 1;
        }
      }
      await sleep(25);
    }
  })();
  return {
    stop: async () => {
      state.editing = false;
      await typing;
    },
  };
}

describe('collab: a node stopped (SIGTERM, 20 editors) or killed (kill -9) behind a balancing proxy', () => {
  let api: TestApp | undefined;
  let redis: PrivateRedis | undefined;
  let proxy: BalancingProxy | undefined;
  const nodes: ServerProcess[] = [];
  const ports: number[] = [];
  let dataDirectory = '';
  let owner: Member;
  let organization: OrganizationView;
  let project: ProjectView;
  const editors: Editor[] = [];

  beforeAll(async () => {
    api = await startTestApp();
    redis = await startPrivateRedis();
    dataDirectory = await mkdtemp(path.join(tmpdir(), 'atelier-collab-sigterm-'));
    for (let index = 0; index < 2; index += 1) {
      const port = await freePort();
      ports.push(port);
      nodes.push(runServer({ DATABASE_URL: api.database.url, REDIS_URL: redis.url, PORT: String(port), RUN_WORKERS: 'false', DATA_DIR: dataDirectory, SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) }));
    }
    await Promise.all(nodes.map((node) => node.ready()));
    owner = await signedUp(api, 'sigterm-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Stopping Studio' });
    expectStatus(created, 201);
    organization = created.body;
    const projectResponse = await owner.client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Shared' });
    expectStatus(projectResponse, 201);
    project = projectResponse.body;
  }, 120_000);

  afterAll(async () => {
    for (const editor of editors) editor.peer.destroy();
    for (const node of nodes) {
      if (stillRunning(node.child)) {
        node.child.kill('SIGKILL');
        await node.exited;
      }
    }
    await proxy?.close();
    await redis?.stop();
    await api?.close();
    await rm(dataDirectory, { recursive: true, force: true });
  }, 60_000);

  it('stores every acknowledged edit before exiting 0, closes its connections at once, and the editors carry on on the other node', { timeout: 120_000 }, async () => {
    if (api === undefined) throw new Error('not started');
    const [portA = 0, portB = 0] = ports;
    const [, nodeB] = nodes;
    if (nodeB === undefined) throw new Error('no node B');
    // Every editor starts on node B (the balancer has only B), then A joins the balancer.
    proxy = await startBalancingProxy('127.0.0.1', [portB]);
    const base = `http://127.0.0.1:${String(proxy.port)}`;
    const workspaces = await Promise.all(Array.from({ length: WORKSPACES }, (_, index) => createWorkspace(owner.client, organization.id, project.id, `Board ${String(index)}`)));
    for (let index = 0; index < EDITORS; index += 1) {
      const workspace = workspaces[index % WORKSPACES] ?? workspaces[0];
      if (workspace === undefined) throw new Error('no workspace');
      editors.push(editorOn(base, workspace, `editor-${String(index)}`, async () => (await ticketFor(owner.client, organization.id, workspace.id)).ticket));
    }
    await Promise.all(editors.map((editor) => editor.peer.synced(20_000))).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${JSON.stringify(editors.map((editor) => [editor.peer.refusals, editor.peer.closes]))}\n${nodeB.output().slice(-3000)}`);
    });
    proxy.setTargets([portB, portA]);

    const typing = typeSteadily(editors, 42);
    await sleep(2_000);
    const signalledAt = Date.now();
    nodeB.child.kill('SIGTERM');
    const code = await nodeB.exited;
    const exitedAt = Date.now();
    // What Postgres holds the moment node B is gone (before node A's own stores could add anything
    // that B acknowledged: A stores only what it receives itself).
    const storedAtExit = await storedArrays(api.database.url, workspaces.map((workspace) => workspace.id));
    await sleep(1_000);
    await typing.stop();

    expect(code, nodeB.output().slice(-2000)).toBe(0);
    const shutdownMs = exitedAt - signalledAt;
    expect(shutdownMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    const closedWithin = Math.max(...editors.map((editor) => (editor.closedAt ?? Infinity) - signalledAt));
    let acknowledgedByB = 0;
    let missing = 0;
    for (const editor of editors) {
      const stored = storedAtExit.get(`${editor.workspace.id}/${editor.key}`) ?? [];
      const have = new Set(stored);
      const acked = editor.acknowledgedByStoppingNode ?? 0;
      acknowledgedByB += acked;
      for (let edit = 0; edit < acked; edit += 1) if (!have.has(edit)) missing += 1;
    }
    console.log(`SIGTERM with ${String(EDITORS)} editors: exit ${String(code)} after ${String(shutdownMs)} ms; every editor's connection closed within ${String(closedWithin)} ms; ${String(acknowledgedByB)} edits acknowledged by the stopping node, ${String(missing)} missing from Postgres at its exit`);
    expect(missing).toBe(0);
    expect(acknowledgedByB).toBeGreaterThan(EDITORS * 10);
    expect(closedWithin).toBeLessThan(2_000);

    // The editors moved to node A by themselves: everything they typed ends up stored and shared.
    await waitFor(() => editors.every((editor) => editor.peer.provider.isSynced && !editor.peer.provider.hasUnsyncedChanges), 30_000, 'every editor synced on node A');
    await sleep(1_500);
    const storedAfter = await storedArrays(api.database.url, workspaces.map((workspace) => workspace.id));
    for (const editor of editors) {
      expect(storedAfter.get(`${editor.workspace.id}/${editor.key}`)).toEqual(Array.from({ length: editor.pushed }, (_, index) => index));
    }
    const nodeA = nodes[0];
    expect(nodeA !== undefined && stillRunning(nodeA.child)).toBe(true);
  });

  it('after kill -9 of a node, every edit it acknowledged is in Postgres once its editors reconnect to the other node', { timeout: 120_000 }, async () => {
    if (api === undefined || redis === undefined || proxy === undefined) throw new Error('run after the SIGTERM test');
    const [portA = 0] = ports;
    const portC = await freePort();
    const nodeC = runServer({ DATABASE_URL: api.database.url, REDIS_URL: redis.url, PORT: String(portC), RUN_WORKERS: 'false', DATA_DIR: dataDirectory });
    nodes.push(nodeC);
    await nodeC.ready();
    proxy.setTargets([portC]);
    const base = `http://127.0.0.1:${String(proxy.port)}`;
    const workspaces = await Promise.all([0, 1].map((index) => createWorkspace(owner.client, organization.id, project.id, `Killed ${String(index)}`)));
    const killed: Editor[] = [];
    for (let index = 0; index < 10; index += 1) {
      const workspace = workspaces[index % 2] ?? workspaces[0];
      if (workspace === undefined) throw new Error('no workspace');
      killed.push(editorOn(base, workspace, `killed-${String(index)}`, async () => (await ticketFor(owner.client, organization.id, workspace.id)).ticket));
    }
    editors.push(...killed);
    await Promise.all(killed.map((editor) => editor.peer.synced(20_000)));
    proxy.setTargets([portC, portA]);
    const typing = typeSteadily(killed, 99);
    await sleep(1_500);
    nodeC.child.kill('SIGKILL');
    await nodeC.exited;
    await sleep(1_000);
    await typing.stop();
    const acknowledgedByC = killed.reduce((sum, editor) => sum + (editor.acknowledgedByStoppingNode ?? 0), 0);
    expect(acknowledgedByC).toBeGreaterThan(50);
    await waitFor(() => killed.every((editor) => editor.peer.provider.isSynced && !editor.peer.provider.hasUnsyncedChanges), 30_000, 'every editor synced on node A');
    await sleep(1_500);
    const stored = await storedArrays(api.database.url, workspaces.map((workspace) => workspace.id));
    let missing = 0;
    for (const editor of killed) {
      const have = new Set(stored.get(`${editor.workspace.id}/${editor.key}`) ?? []);
      for (let edit = 0; edit < editor.pushed; edit += 1) if (!have.has(edit)) missing += 1;
    }
    console.log(`kill -9 with ${String(killed.length)} editors: ${String(acknowledgedByC)} edits acknowledged by the killed node, ${String(killed.reduce((sum, editor) => sum + editor.pushed, 0))} typed in all, ${String(missing)} missing from Postgres after the editors moved to the other node`);
    expect(missing).toBe(0);
  });
});
