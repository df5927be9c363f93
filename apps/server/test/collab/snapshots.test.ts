import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkspaceSnapshotView, WorkspaceView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { buildWorld, expectStatus, type OrganizationWorld } from '../world.js';
import { connect, createWorkspace, ticketFor, waitFor, Y, type CollabPeer } from './collab-client.js';

/** Prompt history: named snapshots of a workspace's shared document, taken from what the server holds. */
describe('workspace snapshots', () => {
  let server: TestApp;
  let world: OrganizationWorld;
  let other: OrganizationWorld;
  let workspace: WorkspaceView;
  let peer: CollabPeer | undefined;

  beforeAll(async () => {
    server = await startTestApp();
    [world, other] = await Promise.all([buildWorld(server, 'history'), buildWorld(server, 'outsider')]);
    workspace = await createWorkspace(world.members.member.client, world.organization.id, world.project.id, 'Hero');
  }, 60_000);
  afterAll(async () => {
    peer?.destroy();
    await server.close();
  });

  it('keeps named snapshots of the live document with who and when, lists them newest first, and keeps them apart per org and role', async () => {
    const org = world.organization.id;
    const ticket = await ticketFor(world.members.member.client, org, workspace.id);
    peer = connect(server.url, ticket.documentName, ticket.ticket);
    await peer.synced();
    const current = peer;
    const doc = current.doc;
    const settled = (): Promise<void> => waitFor(() => !current.provider.hasUnsyncedChanges, 10_000, 'the server to have every change');
    doc.transact(() => {
      doc.getText('prompt').insert(0, 'a lighthouse at dusk');
      doc.getMap('settings').set('model', 'flux-schnell');
      doc.getMap('settings').set('steps', 4);
    });
    const path = `/orgs/${org}/workspaces/${workspace.id}/snapshots`;
    await settled();
    const first = await world.members.member.client.post<WorkspaceSnapshotView>(path, { name: 'First idea' });
    expectStatus(first, 201);
    expect(first.body).toMatchObject({
      name: 'First idea',
      createdBy: { id: world.members.member.userId },
      document: { prompt: 'a lighthouse at dusk', settings: { model: 'flux-schnell', steps: 4 }, mask: [] },
    });

    doc.transact(() => {
      const text = doc.getText('prompt');
      text.delete(0, text.length);
      text.insert(0, 'a lighthouse at dawn');
      const stroke = new Y.Map<unknown>();
      stroke.set('tool', 'brush');
      stroke.set('width', 20);
      stroke.set('points', [1, 2, 3, 4]);
      doc.getArray('mask').push([stroke]);
    });
    await settled();
    const second = await world.members.owner.client.post<WorkspaceSnapshotView>(path, { name: 'Dawn' });
    expect(second.body.document).toMatchObject({ prompt: 'a lighthouse at dawn', mask: [{ tool: 'brush', width: 20, points: [1, 2, 3, 4] }] });

    // Viewers read the history but cannot take snapshots; another org sees nothing.
    const list = await world.members.viewer.client.get<WorkspaceSnapshotView[]>(path);
    expect(list.body.map((snapshot) => snapshot.name)).toEqual(['Dawn', 'First idea']);
    const viewerTake = await world.members.viewer.client.post(path, { name: 'nope' });
    expect(viewerTake.body).toMatchObject({ code: 'forbidden', permission: 'generate' });
    const empty = await world.members.member.client.post(path, { name: '  ' });
    expect(empty.body).toMatchObject({ code: 'invalid_request', field: 'name' });
    expect((await other.members.owner.client.get(`/orgs/${other.organization.id}/workspaces/${workspace.id}/snapshots`)).status).toBe(404);
    expect((await other.members.owner.client.get(path)).status).toBe(404);
  }, 60_000);
});
