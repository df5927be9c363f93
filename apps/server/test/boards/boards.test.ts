import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssetVersionsView, AuditEntryView, BoardSummaryView, BoardView, CommentView, NotificationPage } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { buildWorld, expectStatus, submitAndWait, type OrganizationWorld } from '../world.js';
import { connect, cookieOf, type Connection } from '../realtime/sockets.js';

/** Boards, comments and review statuses as members use them, on the real server and Postgres. */
describe('boards, comments and review statuses', () => {
  let server: TestApp;
  let world: OrganizationWorld;
  let other: OrganizationWorld;
  let org: string;
  let assets: string[];
  let ownerSocket: Connection;

  beforeAll(async () => {
    server = await startTestApp();
    [world, other] = await Promise.all([buildWorld(server, 'boards'), buildWorld(server, 'elsewhere')]);
    org = world.organization.id;
    const more = await submitAndWait(world.members.member.client, org, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4, variations: 3 },
      prompt: 'three candidates for the client',
      seed: 11,
    });
    assets = [world.assetId, ...more.assetIds];
    ownerSocket = await connect(server.url, { cookie: cookieOf(world.members.owner.client) });
    const ack = await ownerSocket.subscribe(org);
    expect(ack.ok).toBe(true);
  }, 60_000);
  afterAll(async () => {
    ownerSocket.close();
    await server.close();
  });

  it('builds a board: adds, orders by hand, removes, sets a cover; others see each change live', async () => {
    const member = world.members.member.client;
    const created = await member.post<BoardView>(`/orgs/${org}/boards`, { name: 'Client picks', description: 'For Friday', projectId: world.project.id });
    expectStatus(created, 201);
    const boardId = created.body.id;
    await ownerSocket.waitFor('board', (event) => event.boardId === boardId && event.action === 'created');

    const added = await member.post<BoardView>(`/orgs/${org}/boards/${boardId}/items`, { assetIds: assets });
    expectStatus(added, 200);
    expect(added.body.items.map((item) => item.assetId)).toEqual(assets);
    expect(added.body.coverAssetId).toBe(assets[0]);
    const live = await ownerSocket.waitFor('board', (event) => event.boardId === boardId && event.action === 'items');
    expect(live.board?.items).toHaveLength(4);

    // Adding again changes nothing; the same image may sit on another board too.
    const again = await member.post<BoardView>(`/orgs/${org}/boards/${boardId}/items`, { assetIds: [assets[1]] });
    expect(again.body.items).toHaveLength(4);
    const second = await member.post<BoardView>(`/orgs/${org}/boards`, { name: 'Second board' });
    expectStatus(await member.post(`/orgs/${org}/boards/${second.body.id}/items`, { assetIds: [assets[1]] }), 200);
    const boardsOfImage = await member.get<BoardSummaryView[]>(`/orgs/${org}/boards?assetId=${String(assets[1])}`);
    expect(boardsOfImage.body.map((board) => board.name).sort()).toEqual(['Client picks', 'Second board']);

    const reversed = [...assets].reverse();
    const reordered = await member.put<BoardView>(`/orgs/${org}/boards/${boardId}/order`, { assetIds: reversed });
    expectStatus(reordered, 200);
    expect(reordered.body.items.map((item) => item.assetId)).toEqual(reversed);
    await ownerSocket.waitFor('board', (event) => event.boardId === boardId && event.action === 'reordered' && event.board?.items[0]?.assetId === reversed[0]);

    const partial = await member.put(`/orgs/${org}/boards/${boardId}/order`, { assetIds: reversed.slice(1) });
    expect(partial.status).toBe(409);
    expect(partial.body).toMatchObject({ code: 'order_mismatch', field: 'assetIds' });

    const cover = await member.patch<BoardView>(`/orgs/${org}/boards/${boardId}`, { coverAssetId: assets[2] });
    expect(cover.body.coverAssetId).toBe(assets[2]);
    const notOnBoard = await member.patch(`/orgs/${org}/boards/${second.body.id}`, { coverAssetId: assets[2] });
    expect(notOnBoard.status).toBe(400);
    expect(notOnBoard.body).toMatchObject({ code: 'invalid_request', field: 'coverAssetId' });

    const removed = await member.delete<BoardView>(`/orgs/${org}/boards/${boardId}/items/${String(assets[2])}`);
    expectStatus(removed, 200);
    expect(removed.body.items.map((item) => item.assetId)).toEqual(reversed.filter((id) => id !== assets[2]));
    expect(removed.body.coverAssetId).toBe(reversed.find((id) => id !== assets[2]));

    // Another org's image cannot be added; an unknown project is refused by field.
    const foreign = await member.post(`/orgs/${org}/boards/${boardId}/items`, { assetIds: [other.assetId] });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'not_found', field: 'assetIds.0' });
    const badProject = await member.post(`/orgs/${org}/boards`, { name: 'x', projectId: other.project.id });
    expect(badProject.body).toMatchObject({ code: 'not_found', field: 'projectId' });

    const deleted = await member.delete(`/orgs/${org}/boards/${second.body.id}`);
    expect(deleted.status).toBe(204);
    await ownerSocket.waitFor('board', (event) => event.boardId === second.body.id && event.action === 'deleted' && event.board === null);
  });

  it('lets viewers read boards and comment, but not change boards or set statuses', async () => {
    const viewer = world.members.viewer.client;
    expectStatus(await viewer.get(`/orgs/${org}/boards/${world.boardId}`), 200);
    const write = await viewer.post(`/orgs/${org}/boards`, { name: 'Nope' });
    expect(write.status).toBe(403);
    expect(write.body).toMatchObject({ code: 'forbidden', permission: 'boards.write' });
    const status = await viewer.put(`/orgs/${org}/boards/${world.boardId}/items/${world.assetId}/status`, { status: 'approved' });
    expect(status.body).toMatchObject({ code: 'forbidden', permission: 'reviews.approve' });
    const share = await world.members.member.client.post(`/orgs/${org}/boards/${world.boardId}/links`, { mode: 'view', expiresInDays: 1 });
    expect(share.body).toMatchObject({ code: 'forbidden', permission: 'boards.share' });
    const comment = await viewer.post<CommentView>(`/orgs/${org}/assets/${world.assetId}/comments`, { body: 'Lovely light' });
    expectStatus(comment, 201);
  });

  it('threads comments, pins them, notifies @mentions in the app and by mail, and sends every change live', async () => {
    const owner = world.members.owner.client;
    const manager = world.members.manager;
    const assetId = String(assets[1]);
    const root = await owner.post<CommentView>(`/orgs/${org}/assets/${assetId}/comments`, {
      body: '@Manager can we warm this corner?',
      pin: { x: 0.8, y: 0.1, width: 0.15, height: 0.2 },
      mentions: [manager.userId],
    });
    expectStatus(root, 201);
    expect(root.body.pin).toEqual({ x: 0.8, y: 0.1, width: 0.15, height: 0.2 });
    expect(root.body.mentions).toEqual([{ id: manager.userId, name: expect.any(String) as string }]);
    await ownerSocket.waitFor('comment', (event) => event.comment.id === root.body.id && event.action === 'created');

    const notifications = await manager.client.get<NotificationPage>(`/orgs/${org}/notifications`);
    const mention = notifications.body.notifications.find((item) => item.kind === 'mention');
    expect(mention?.message).toContain('can we warm this corner');
    expect(mention?.data).toMatchObject({ assetId, commentId: root.body.id });
    await expect.poll(() => server.outbox.some((mail) => mail.to === manager.email && mail.subject.includes('mentioned you')), { timeout: 15_000 }).toBe(true);

    const reply = await manager.client.post<CommentView>(`/orgs/${org}/assets/${assetId}/comments`, { body: 'On it', parentId: root.body.id });
    expect(reply.body.parentId).toBe(root.body.id);
    // A reply to a reply joins the same thread.
    const nested = await owner.post<CommentView>(`/orgs/${org}/assets/${assetId}/comments`, { body: 'Thanks', parentId: reply.body.id });
    expect(nested.body.parentId).toBe(root.body.id);

    const notAuthor = await manager.client.patch(`/orgs/${org}/comments/${root.body.id}`, { body: 'rewritten' });
    expect(notAuthor.status).toBe(403);
    expect(notAuthor.body).toMatchObject({ code: 'not_comment_author' });
    const edited = await owner.patch<CommentView>(`/orgs/${org}/comments/${root.body.id}`, { body: 'Warmer corner please' });
    expect(edited.body).toMatchObject({ body: 'Warmer corner please', editedAt: expect.any(String) as string });

    const resolved = await manager.client.put<CommentView>(`/orgs/${org}/comments/${root.body.id}/resolved`, { resolved: true });
    expect(resolved.body).toMatchObject({ resolved: true, resolvedBy: { kind: 'member', id: manager.userId } });
    await ownerSocket.waitFor('comment', (event) => event.comment.id === root.body.id && event.action === 'resolved');
    const reopened = await owner.put<CommentView>(`/orgs/${org}/comments/${root.body.id}/resolved`, { resolved: false });
    expect(reopened.body.resolved).toBe(false);
    const replyResolve = await owner.put(`/orgs/${org}/comments/${reply.body.id}/resolved`, { resolved: true });
    expect(replyResolve.body).toMatchObject({ code: 'not_a_thread' });

    expect((await owner.delete(`/orgs/${org}/comments/${nested.body.id}`)).status).toBe(204);
    const list = await owner.get<CommentView[]>(`/orgs/${org}/assets/${assetId}/comments`);
    expect(list.body.map((comment) => comment.body)).toEqual(['Warmer corner please', 'On it']);

    const stranger = await owner.post(`/orgs/${org}/assets/${assetId}/comments`, { body: 'hi @you', mentions: [other.members.owner.userId] });
    expect(stranger.status).toBe(400);
    expect(stranger.body).toMatchObject({ code: 'invalid_request', field: 'mentions.0' });
    const offImage = await owner.post(`/orgs/${org}/assets/${String(assets[2])}/comments`, { body: 'x', parentId: root.body.id });
    expect(offImage.body).toMatchObject({ code: 'not_found', field: 'parentId' });
  });

  it('records review status per image on a board with who and when, shows progress, and notifies the author', async () => {
    const owner = world.members.owner.client;
    const board = await owner.post<BoardView>(`/orgs/${org}/boards`, { name: 'Review round' });
    await owner.post(`/orgs/${org}/boards/${board.body.id}/items`, { assetIds: assets });
    for (const assetId of assets.slice(0, 3)) {
      expectStatus(await owner.put(`/orgs/${org}/boards/${board.body.id}/items/${assetId}/status`, { status: 'approved' }), 200);
    }
    const changes = await owner.put<BoardView>(`/orgs/${org}/boards/${board.body.id}/items/${String(assets[3])}/status`, { status: 'changes_requested' });
    expect(changes.body).toMatchObject({ itemCount: 4, approvedCount: 3, changesRequestedCount: 1 });
    const item = changes.body.items.find((candidate) => candidate.assetId === assets[3]);
    expect(item?.review).toMatchObject({ status: 'changes_requested', by: { kind: 'member', id: world.members.owner.userId } });
    expect(Date.parse(item?.review.at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    await ownerSocket.waitFor('board', (event) => event.boardId === board.body.id && event.action === 'status' && event.board?.changesRequestedCount === 1);

    // The images' author (the member) is told of each change.
    const page = await world.members.member.client.get<NotificationPage>(`/orgs/${org}/notifications`);
    const statusNotes = page.body.notifications.filter((note) => note.kind === 'review_status' && note.data.boardId === board.body.id);
    expect(statusNotes).toHaveLength(4);
    expect(statusNotes.map((note) => note.title)).toContain('Changes requested: your image on “Review round”');

    const unknown = await owner.put(`/orgs/${org}/boards/${board.body.id}/items/${other.assetId}/status`, { status: 'approved' });
    expect(unknown.status).toBe(404);
    const audit = await owner.get<AuditEntryView[]>(`/orgs/${org}/audit`);
    expect(audit.body.some((entry) => entry.action === 'board.create' && entry.targetId === board.body.id)).toBe(true);
  });

  it("shows an image's versions: its ancestors back to the original and everything made from it", async () => {
    const member = world.members.member.client;
    const original = String(assets[0]);
    const inpaint = await submitAndWait(member, org, {
      request: { operation: 'inpaint', model: 'flux-schnell', steps: 4 },
      prompt: 'a red door',
      sourceAssetId: original,
      maskStrokes: [{ tool: 'brush', width: 60, points: [100, 100, 300, 300] }],
    });
    const inpainted = String(inpaint.assetIds[0]);
    const outpaint = await submitAndWait(member, org, {
      request: { operation: 'outpaint', model: 'flux-schnell', steps: 4, outpaint: { left: 128, right: 128 } },
      prompt: 'more beach',
      sourceAssetId: inpainted,
    });
    const widened = String(outpaint.assetIds[0]);
    const sibling = await submitAndWait(member, org, {
      request: { operation: 'outpaint', model: 'flux-schnell', steps: 4, outpaint: { top: 128 } },
      prompt: 'more sky',
      sourceAssetId: original,
    });

    const middle = await member.get<AssetVersionsView>(`/orgs/${org}/assets/${inpainted}/versions`);
    expectStatus(middle, 200);
    expect(middle.body.ancestors.map((version) => version.id)).toEqual([original]);
    expect(middle.body.asset).toMatchObject({ id: inpainted, operation: 'inpaint', parentAssetId: original });
    expect(middle.body.descendants.map((version) => version.id)).toEqual([widened]);

    const last = await member.get<AssetVersionsView>(`/orgs/${org}/assets/${widened}/versions`);
    expect(last.body.ancestors.map((version) => version.id)).toEqual([original, inpainted]);
    const first = await member.get<AssetVersionsView>(`/orgs/${org}/assets/${original}/versions`);
    expect(first.body.ancestors).toEqual([]);
    expect(first.body.descendants.map((version) => version.id)).toEqual([inpainted, widened, String(sibling.assetIds[0])]);

    expect((await other.members.owner.client.get(`/orgs/${other.organization.id}/assets/${original}/versions`)).status).toBe(404);
  }, 60_000);

  it('downloads a board as a ZIP: the images in board order and a CSV manifest', async () => {
    const owner = world.members.owner.client;
    const board = await owner.post<BoardView>(`/orgs/${org}/boards`, { name: 'Delivery: round 1!' });
    await owner.post(`/orgs/${org}/boards/${board.body.id}/items`, { assetIds: [assets[2], assets[0]] });
    await owner.put(`/orgs/${org}/boards/${board.body.id}/items/${String(assets[0])}/status`, { status: 'approved' });
    const response = await fetch(`${server.url}/api/orgs/${org}/boards/${board.body.id}/download`, { headers: { cookie: cookieOf(world.members.viewer.client) } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="delivery-round-1.zip"');
    const zip = Buffer.from(await response.arrayBuffer());
    expect(zip.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');
    const text = zip.toString('latin1');
    const first = `01-${String(assets[2]).slice(0, 8)}.png`;
    const second = `02-${String(assets[0]).slice(0, 8)}.png`;
    expect(text.indexOf(first)).toBeGreaterThan(0);
    expect(text.indexOf(second)).toBeGreaterThan(text.indexOf(first));
    // Each image is stored whole (PNG signature), and the manifest is readable in the archive.
    expect(text.split('\u0089PNG').length - 1).toBe(2);
    const manifest = text.slice(text.indexOf('file,title,status,cost,model,seed,settings,author,date'));
    const lines = manifest.split('\r\n');
    expect(lines[1]?.startsWith(`${first},three candidates for the client,pending,`)).toBe(true);
    expect(lines[2]?.startsWith(`${second},boards test image,approved,`)).toBe(true);
    expect(lines[2]).toContain(',flux-schnell,7,');
    expect(lines[2]).toContain('""operation"":""text-to-image""');
    const audit = await owner.get<AuditEntryView[]>(`/orgs/${org}/audit`);
    expect(audit.body.some((entry) => entry.action === 'board.download' && entry.targetId === board.body.id)).toBe(true);
  });

  it('refuses every board, comment and link of another org with 404', async () => {
    const outsider = other.members.owner.client;
    const calls: [string, string, unknown?][] = [
      ['GET', `/orgs/${org}/boards/${world.boardId}`],
      ['GET', `/orgs/${other.organization.id}/boards/${world.boardId}`],
      ['POST', `/orgs/${other.organization.id}/boards/${world.boardId}/items`, { assetIds: [other.assetId] }],
      ['GET', `/orgs/${other.organization.id}/assets/${world.assetId}/comments`],
      ['PATCH', `/orgs/${other.organization.id}/comments/${world.commentId}`, { body: 'x' }],
      ['PUT', `/orgs/${other.organization.id}/comments/${world.commentId}/resolved`, { resolved: true }],
      ['DELETE', `/orgs/${other.organization.id}/boards/${world.boardId}/links/${world.reviewLink.id}`],
      ['PUT', `/orgs/${other.organization.id}/boards/${world.boardId}/items/${world.assetId}/status`, { status: 'approved' }],
      ['GET', `/orgs/${other.organization.id}/assets/${world.assetId}/versions`],
    ];
    for (const [method, path, body] of calls) {
      const response = await outsider.request(method, path, body);
      expect(`${method} ${path} ${String(response.status)}`).toBe(`${method} ${path} 404`);
    }
  });
});
