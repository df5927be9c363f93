import { ledgerOf } from '../ledger-of.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { collabRejections, collabRetryableCloses, collabFields, type CollabAwareness, collabLimits, workspaceDocumentName, type MaskStroke, type OrganizationView, type ProjectView, type WorkspaceView } from '@atelier/contracts';
import type { TestDatabase } from '../../../../tools/testing/database.js';
import { loadConfig } from '../../src/config/config.js';
import { createApp } from '../../src/app.js';
import { CollabDocumentRepository } from '../../src/collab/collab-document.repository.js';
import { STORE_DEBOUNCE_MS } from '../../src/collab/collab.server.js';
import { snapshotOfState } from '../../src/collab/workspace-document.js';
import { WorkspacesService } from '../../src/collab/workspaces.service.js';
import { ASSET_STORAGE } from '../../src/repositories/tokens.js';
import { renderMask } from '../../src/jobs/mask-render.js';
import { PostgresPoolRepository } from '../../src/repositories/postgres-pool.repository.js';
import type { AssetStorage } from '../../src/storage/storage.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { connect, createWorkspace, sleep, ticketFor, waitFor, type CollabPeer } from './collab-client.js';

describe('collaborative workspace documents (one node)', () => {
  let api: TestApp;
  let app: NestExpressApplication;
  let url: string;
  let database: TestDatabase;
  let owner: Member;
  let member: Member;
  let viewer: Member;
  let outsider: Member;
  let organization: OrganizationView;
  let project: ProjectView;
  let workspace: WorkspaceView;
  const peers: CollabPeer[] = [];

  function open(who: Member, target: WorkspaceView = workspace, base = url): CollabPeer {
    const peer = connect(base, workspaceDocumentName(target.id), async () => (await ticketFor(who.client, target.organizationId, target.id)).ticket);
    peers.push(peer);
    return peer;
  }
  function closeAll(): void {
    for (const peer of peers.splice(0)) peer.destroy();
  }
  async function stored(workspaceId: string): Promise<ReturnType<typeof snapshotOfState>> {
    return snapshotOfState(await app.get(CollabDocumentRepository).load(workspaceId));
  }

  beforeAll(async () => {
    api = await startTestApp();
    app = api.app;
    url = api.url;
    database = api.database;
    owner = await signedUp(api, 'collab-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Collab studio' });
    expectStatus(created, 201);
    organization = created.body;
    member = await addMember(api, owner.client, organization.id, 'member', 'collab-member');
    viewer = await addMember(api, owner.client, organization.id, 'viewer', 'collab-viewer');
    const projectResponse = await owner.client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Launch' });
    expectStatus(projectResponse, 201);
    project = projectResponse.body;
    workspace = await createWorkspace(member.client, organization.id, project.id, 'Hero image');
    outsider = await signedUp(api, 'collab-outsider');
    expectStatus(await outsider.client.post('/orgs', { name: 'Elsewhere' }), 201);
  });
  afterAll(async () => {
    closeAll();
    await app.close();
    await database.drop();
  });

  it('creates, lists and gets workspaces; viewers may read but not create', async () => {
    const listed = await viewer.client.get<WorkspaceView[]>(`/orgs/${organization.id}/workspaces?projectId=${project.id}`);
    expectStatus(listed, 200);
    expect(listed.body.map((item) => item.id)).toContain(workspace.id);
    const one = await viewer.client.get<WorkspaceView>(`/orgs/${organization.id}/workspaces/${workspace.id}`);
    expect(one.body).toMatchObject({ id: workspace.id, projectId: project.id, documentName: `workspace:${workspace.id}` });
    expect((await viewer.client.post(`/orgs/${organization.id}/workspaces`, { name: 'Nope', projectId: project.id })).status).toBe(403);
    expect((await viewer.client.post<{ canWrite: boolean }>(`/orgs/${organization.id}/workspaces/${workspace.id}/collab-ticket`)).body.canWrite).toBe(false);
    expect((await member.client.post<{ canWrite: boolean }>(`/orgs/${organization.id}/workspaces/${workspace.id}/collab-ticket`)).body.canWrite).toBe(true);
  });

  it('two editors co-edit the prompt and the mask and converge', async () => {
    const alice = open(owner);
    const bob = open(member);
    await Promise.all([alice.synced(), bob.synced()]);
    alice.doc.getText(collabFields.prompt).insert(0, 'a red fox');
    bob.doc.getText(collabFields.prompt).insert(0, 'watercolour: ');
    const stroke: MaskStroke = { tool: 'brush', width: 40, points: [10, 10, 200, 200] };
    alice.doc.getArray<MaskStroke>(collabFields.mask).push([stroke]);
    bob.doc.getArray<MaskStroke>(collabFields.mask).push([{ tool: 'eraser', width: 10, points: [50, 50, 60, 60] }]);
    bob.doc.getMap(collabFields.settings).set('steps', 4);
    await waitFor(() => alice.doc.getArray(collabFields.mask).length === 2 && bob.doc.getArray(collabFields.mask).length === 2 && alice.doc.getMap(collabFields.settings).get('steps') === 4);
    await waitFor(() => alice.doc.getText(collabFields.prompt).toJSON() === bob.doc.getText(collabFields.prompt).toJSON());
    const prompt = alice.doc.getText(collabFields.prompt).toJSON();
    expect(prompt).toContain('a red fox');
    expect(prompt).toContain('watercolour: ');
    expect(alice.doc.getArray(collabFields.mask).toJSON()).toEqual(bob.doc.getArray(collabFields.mask).toJSON());
  });

  it('passes awareness (name, colour, cursor, brush preview) through, viewers included', async () => {
    const alice = open(owner);
    const watcher = open(viewer);
    await Promise.all([alice.synced(), watcher.synced()]);
    const state: CollabAwareness = { user: { id: viewer.userId, name: 'Vera', colour: '#3366ff' }, cursor: { x: 120, y: 80 }, brush: { tool: 'brush', width: 40, x: 120, y: 80 } };
    watcher.provider.awareness?.setLocalStateField('user', state.user);
    watcher.provider.awareness?.setLocalStateField('cursor', state.cursor);
    watcher.provider.awareness?.setLocalStateField('brush', state.brush);
    const seen = (): Record<string, unknown> | undefined => [...(alice.provider.awareness?.getStates().values() ?? [])].find((candidate) => (candidate.user as { name?: string } | undefined)?.name === 'Vera');
    await waitFor(() => seen()?.brush !== undefined, 10_000, 'the viewer awareness');
    expect(seen()).toMatchObject(state);
  });

  it("rejects a viewer's edits: the others and the stored document never see them", async () => {
    const writer = open(member);
    const watcher = open(viewer);
    await Promise.all([writer.synced(), watcher.synced()]);
    watcher.doc.getText(collabFields.prompt).insert(0, 'VIEWER WAS HERE ');
    watcher.doc.getArray<MaskStroke>(collabFields.mask).push([{ tool: 'brush', width: 99, points: [1, 1, 2, 2] }]);
    // A later writer edit proves the server has processed what came before it.
    writer.doc.getText(collabFields.prompt).insert(writer.doc.getText(collabFields.prompt).length, ' at dusk');
    await waitFor(() => watcher.doc.getText(collabFields.prompt).toJSON().includes('at dusk'));
    await sleep(1_500); // past the store debounce
    expect(writer.doc.getText(collabFields.prompt).toJSON()).not.toContain('VIEWER');
    expect(writer.doc.getArray(collabFields.mask).length).toBe(2);
    const saved = await stored(workspace.id);
    expect(saved.prompt).toContain('at dusk');
    expect(saved.prompt).not.toContain('VIEWER');
    expect(saved.mask).toHaveLength(2);
    // A fresh reader sees the document without the viewer's edits.
    const reader = open(owner);
    await reader.synced();
    expect(reader.doc.getText(collabFields.prompt).toJSON()).not.toContain('VIEWER');
  });

  it("refuses a client of another org: no ticket for our workspace, and their ticket does not open our document", async () => {
    const response = await outsider.client.post(`/orgs/${organization.id}/workspaces/${workspace.id}/collab-ticket`);
    expect(response.status).toBe(404);
    const theirs = (await outsider.client.get<OrganizationView[]>('/orgs')).body[0];
    if (theirs === undefined) throw new Error('outsider has no org');
    const theirProject = await outsider.client.post<ProjectView>(`/orgs/${theirs.id}/projects`, { name: 'Theirs' });
    const theirWorkspace = await createWorkspace(outsider.client, theirs.id, theirProject.body.id);
    const ticket = await ticketFor(outsider.client, theirs.id, theirWorkspace.id);
    const intruder = connect(url, workspaceDocumentName(workspace.id), ticket.ticket);
    peers.push(intruder);
    await waitFor(() => intruder.refusals.length > 0, 10_000, 'the refusal');
    expect(intruder.provider.isSynced).toBe(false);
    expect(intruder.doc.getText(collabFields.prompt).toJSON()).toBe('');
    const forged = connect(url, workspaceDocumentName(workspace.id), 'not-a-real-ticket-at-all');
    peers.push(forged);
    await waitFor(() => forged.refusals.length > 0, 10_000, 'the refusal of a forged ticket');
  });

  it('refuses an expired ticket, and a ticket of a member since removed from the org', async () => {
    const ticket = await ticketFor(member.client, organization.id, workspace.id);
    await app.get(PostgresPoolRepository).pool.query(`update collab_tickets set expires_at = now() - interval '1 second'`);
    const late = connect(url, workspaceDocumentName(workspace.id), ticket.ticket);
    peers.push(late);
    await waitFor(() => late.refusals.length > 0, 10_000, 'the refusal of an expired ticket');

    const leaver = await addMember(api, owner.client, organization.id, 'member', 'collab-leaver');
    const fresh = await ticketFor(leaver.client, organization.id, workspace.id);
    expectStatus(await owner.client.request('DELETE', `/orgs/${organization.id}/members/${leaver.userId}`), 204);
    const gone = connect(url, workspaceDocumentName(workspace.id), fresh.ticket);
    peers.push(gone);
    await waitFor(() => gone.refusals.length > 0, 10_000, 'the refusal of a removed member');
  });

  it('closes a removed member’s open connection and makes a demoted member read-only, at once', async () => {
    const leaver = await addMember(api, owner.client, organization.id, 'member', 'collab-open-leaver');
    const demoted = await addMember(api, owner.client, organization.id, 'member', 'collab-demoted');
    const watcher = open(owner);
    const leaving = open(leaver);
    const demoting = open(demoted);
    await Promise.all([watcher.synced(), leaving.synced(), demoting.synced()]);
    const prompt = (peer: CollabPeer): string => peer.doc.getText(collabFields.prompt).toJSON();
    leaving.doc.getText(collabFields.prompt).insert(0, 'before removal. ');
    await waitFor(() => prompt(watcher).includes('before removal'), 10_000, 'the leaver’s edit');

    expectStatus(await owner.client.request('DELETE', `/orgs/${organization.id}/members/${leaver.userId}`), 204);
    expectStatus(await owner.client.request('PATCH', `/orgs/${organization.id}/members/${demoted.userId}`, { role: 'viewer' }), 200);
    await sleep(200);
    leaving.doc.getText(collabFields.prompt).insert(0, 'after removal. ');
    demoting.doc.getText(collabFields.prompt).insert(0, 'after demotion. ');
    watcher.doc.getText(collabFields.prompt).insert(0, 'owner still writes. ');
    await waitFor(() => prompt(demoting).includes('owner still writes'), 10_000, 'the demoted member still reading');
    await sleep(500);
    expect(prompt(watcher)).not.toContain('after removal');
    expect(prompt(watcher)).not.toContain('after demotion');
    expect(prompt(watcher)).toContain('before removal');
    const saved = await app.get(WorkspacesService).snapshot(workspace.id);
    expect(saved.prompt).not.toContain('after removal');
    // The removed member's reconnect is refused: their tickets no longer open anything.
    await waitFor(() => leaving.refusals.length > 0 || leaving.closes.length > 0, 10_000, 'the removed member to be cut off');
  });

  it('limits message and document size with a clear close code', async () => {
    const board = await createWorkspace(member.client, organization.id, project.id, 'Limits');
    const big = open(member, board);
    const other = open(owner, board);
    await Promise.all([big.synced(), other.synced()]);
    big.doc.getText(collabFields.prompt).insert(0, 'x'.repeat(collabLimits.maxMessageBytes + 1_000));
    await waitFor(() => big.closes.some((close) => close.reason.startsWith(collabRejections.messageTooLarge.reason)), 10_000, 'the message-too-large close');
    await sleep(300);
    expect(other.doc.getText(collabFields.prompt).length).toBe(0);
    expect((await stored(board.id)).prompt).toBe('');
    big.destroy();

    // The document limit: messages under the message limit until the document would outgrow its own.
    const filler = open(member, board);
    await filler.synced();
    const chunk = 'y'.repeat(Math.floor(collabLimits.maxMessageBytes * 0.9));
    for (let index = 0; index < Math.ceil(collabLimits.maxDocumentBytes / chunk.length) + 1; index += 1) {
      if (filler.closes.length > 0) break;
      filler.doc.getText(collabFields.negativePrompt).insert(0, chunk);
      await sleep(150);
    }
    await waitFor(() => filler.closes.some((close) => close.reason.startsWith(collabRejections.documentTooLarge.reason)), 10_000, 'the document-too-large close');
    await sleep(1_500);
    const repository = app.get(CollabDocumentRepository);
    const state = await repository.load(board.id);
    expect(state?.byteLength ?? 0).toBeLessThanOrEqual(collabLimits.maxDocumentBytes);
    expect(other.doc.getText(collabFields.negativePrompt).length).toBeGreaterThan(0);
  });

  it('never stores an empty document over the real one when loading fails', async () => {
    const board = await createWorkspace(member.client, organization.id, project.id, 'Precious');
    const first = open(member, board);
    await first.synced();
    first.doc.getText(collabFields.prompt).insert(0, 'keep me');
    await waitFor(() => !first.provider.hasUnsyncedChanges);
    first.destroy(); // the last connection: the document is stored and unloaded
    await sleep(500);
    expect((await stored(board.id)).prompt).toBe('keep me');

    const repository = app.get(CollabDocumentRepository);
    const failing = vi.spyOn(repository, 'load').mockRejectedValue(new Error('database unavailable'));
    const storeSpy = vi.spyOn(repository, 'store');
    const unlucky = open(member, board);
    await sleep(1_500);
    expect(unlucky.provider.isSynced).toBe(false);
    unlucky.doc.getText(collabFields.prompt).insert(0, 'typed while broken ');
    unlucky.destroy();
    await sleep(1_000);
    expect(storeSpy.mock.calls.filter(([id]) => id === board.id)).toHaveLength(0);
    failing.mockRestore();
    storeSpy.mockRestore();
    const later = open(owner, board);
    await later.synced();
    expect(later.doc.getText(collabFields.prompt).toJSON()).toBe('keep me');
    expect((await stored(board.id)).prompt).toBe('keep me');
  });

  it('a failed load is retried: the client reconnects by itself, and what it typed meanwhile is merged and stored', async () => {
    const board = await createWorkspace(member.client, organization.id, project.id, 'Flaky');
    const first = open(member, board);
    await first.synced();
    first.doc.getText(collabFields.prompt).insert(0, 'stored text');
    await waitFor(() => !first.provider.hasUnsyncedChanges);
    first.destroy();
    await sleep(500);

    // The table is unreadable for about 2 s (every load fails meanwhile).
    const repository = app.get(CollabDocumentRepository);
    const failing = vi.spyOn(repository, 'load').mockRejectedValue(new Error('permission denied for table collab_documents'));
    const typist = open(member, board);
    await sleep(700);
    expect(typist.provider.isSynced).toBe(false);
    typist.doc.getText(collabFields.prompt).insert(0, 'typed meanwhile ');
    await sleep(1_300);
    expect(failing.mock.calls.length).toBeGreaterThanOrEqual(1);
    failing.mockRestore();

    // No refusal: the server closed with a retryable code, and the provider came back by itself.
    await typist.synced(15_000);
    expect(typist.refusals).toEqual([]);
    expect(typist.closes.some((close) => close.code === collabRetryableCloses.documentUnavailable.code)).toBe(true);
    const merged = typist.doc.getText(collabFields.prompt).toJSON();
    expect(merged).toContain('typed meanwhile ');
    expect(merged).toContain('stored text');
    await waitFor(() => !typist.provider.hasUnsyncedChanges);
    const other = open(owner, board);
    await other.synced();
    expect(other.doc.getText(collabFields.prompt).toJSON()).toBe(merged);
    await sleep(STORE_DEBOUNCE_MS + 700);
    expect((await stored(board.id)).prompt).toBe(merged);
  });

  it('a job submitted with a workspace uses the document prompt, settings and mask', async () => {
    await ledgerOf(app).grant({ operationId: crypto.randomUUID(), orgId: organization.id, source: 'promotion', amountCredits: 10_000n, actorId: organization.id, reason: 'test credits' });
    const board = await createWorkspace(member.client, organization.id, project.id, 'Submit');
    const editor = open(member, board);
    await editor.synced();
    editor.doc.transact(() => {
      editor.doc.getText(collabFields.prompt).insert(0, 'a lighthouse in fog, from the document');
      const settings = editor.doc.getMap(collabFields.settings);
      settings.set('operation', 'text-to-image');
      settings.set('model', 'flux-schnell');
      settings.set('width', 512);
      settings.set('height', 512);
      settings.set('steps', 4);
      settings.set('seed', 42);
    });
    await waitFor(() => !editor.provider.hasUnsyncedChanges);
    const job = await submitAndWait(member.client, organization.id, { request: { operation: 'text-to-image', model: 'flux-schnell', width: 1024, height: 1024, steps: 4 }, prompt: 'the body prompt', workspaceId: board.id });
    expect(job.status).toBe('succeeded');
    expect(job.prompt).toBe('a lighthouse in fog, from the document');
    expect(job).toMatchObject({ workspaceId: board.id, projectId: project.id, seed: 42, width: 512, height: 512 });
    const sourceAssetId = job.assetIds[0] ?? '';

    const strokes: MaskStroke[] = [
      { tool: 'brush', width: 60, points: [100, 100, 300, 300, 400, 120] },
      { tool: 'eraser', width: 20, points: [150, 150, 200, 200] },
    ];
    editor.doc.transact(() => {
      const prompt = editor.doc.getText(collabFields.prompt);
      prompt.delete(0, prompt.length);
      prompt.insert(0, 'replace the fog with stars');
      editor.doc.getMap(collabFields.settings).set('operation', 'inpaint');
      editor.doc.getMap(collabFields.settings).set('sourceAssetId', sourceAssetId);
      editor.doc.getMap(collabFields.settings).delete('width');
      editor.doc.getMap(collabFields.settings).delete('height');
      editor.doc.getArray<MaskStroke>(collabFields.mask).push(strokes);
    });
    await waitFor(() => !editor.provider.hasUnsyncedChanges);
    const inpaint = await submitAndWait(member.client, organization.id, { request: { operation: 'text-to-image', model: 'flux-schnell', steps: 4 }, prompt: 'ignored', workspaceId: board.id });
    expect(inpaint.status).toBe('succeeded');
    expect(inpaint.prompt).toBe('replace the fog with stars');
    expect(inpaint.operation).toBe('inpaint');
    const storage = app.get<AssetStorage>(ASSET_STORAGE);
    const mask = await storage.get(`orgs/${organization.id}/masks/${inpaint.id}.png`);
    const expected = await renderMask(strokes, 512, 512);
    expect(mask?.equals(expected.png)).toBe(true);
  });

  it('a restarted server serves the stored document intact', async () => {
    const reader = open(owner);
    await reader.synced();
    const before = { prompt: reader.doc.getText(collabFields.prompt).toJSON(), mask: reader.doc.getArray(collabFields.mask).toJSON() };
    expect(before.prompt).toContain('a red fox');
    closeAll();
    await app.close();
    const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1' });
    app = await createApp({ ...config, databaseUrl: database.url });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    url = `http://127.0.0.1:${String(address.port)}`;
    // The session clients point at the closed server: the ticket comes from the new one's service.
    const ticket = await app.get(WorkspacesService).issueTicket(organization.id, owner.userId, 'owner', workspace.id);
    const again = connect(url, workspaceDocumentName(workspace.id), ticket.ticket);
    peers.push(again);
    await again.synced();
    expect(again.doc.getText(collabFields.prompt).toJSON()).toBe(before.prompt);
    expect(again.doc.getArray(collabFields.mask).toJSON()).toEqual(before.mask);
  });
});
