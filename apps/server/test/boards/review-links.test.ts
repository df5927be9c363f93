import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { AuditEntryView, BoardView, CommentView, CreatedReviewLinkView, JoinedReviewView, NotificationPage, ReviewAssetView, ReviewBoardView, ReviewLinkView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { ApiClient } from '../client.js';
import { buildWorld, expectStatus, submitAndWait, type OrganizationWorld } from '../world.js';
import { connect, cookieOf, type Connection } from '../realtime/sockets.js';
import { readPngText } from '../../src/providers/png-text.js';
import { io, type Socket } from 'socket.io-client';

/** A guest of a review link: no account, only the link and the token they got for their name. */
class Guest {
  readonly client: ApiClient;
  guestToken: string | undefined;

  constructor(server: TestApp, readonly token: string) {
    this.client = new ApiClient(server.url);
  }

  headers(): Record<string, string> {
    return this.guestToken === undefined ? {} : { 'x-review-guest': this.guestToken };
  }

  async join(name: string, password?: string): Promise<{ status: number; body: unknown }> {
    const response = await this.client.request<JoinedReviewView>('POST', `/review/${this.token}/guests`, { name, ...(password === undefined ? {} : { password }) });
    if (response.status === 201) this.guestToken = response.body.guestToken;
    return response;
  }

  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; headers: Headers }> {
    return this.client.request(method, `/review/${this.token}${path}`, body, this.headers());
  }
}

/** Every key anywhere in a JSON value. */
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) keysOf(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      into.add(key);
      keysOf(item, into);
    }
  }
  return into;
}

const FORBIDDEN_KEYS = ['priceCredits', 'credits', 'cost', 'providerCost', 'modelId', 'model', 'seed', 'steps', 'request', 'settings', 'catalogId', 'negativePrompt', 'provider'];

describe('client review links', () => {
  let server: TestApp;
  let world: OrganizationWorld;
  let other: OrganizationWorld;
  let org: string;
  let board: BoardView;
  let assets: string[];
  let offBoardAsset: string;
  let database: pg.Client | undefined;
  let memberSocket: Connection | undefined;

  beforeAll(async () => {
    server = await startTestApp();
    [world, other] = await Promise.all([buildWorld(server, 'review'), buildWorld(server, 'stranger')]);
    org = world.organization.id;
    const more = await submitAndWait(world.members.member.client, org, {
      request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4, variations: 3 },
      prompt: 'secret prompt of the campaign',
      seed: 5,
    });
    assets = more.assetIds.slice(0, 2);
    offBoardAsset = String(more.assetIds[2]);
    const created = await world.members.owner.client.post<BoardView>(`/orgs/${org}/boards`, { name: 'For the client' });
    board = (await world.members.owner.client.post<BoardView>(`/orgs/${org}/boards/${created.body.id}/items`, { assetIds: assets })).body;
    database = new pg.Client({ connectionString: server.database.url });
    await database.connect();
    memberSocket = await connect(server.url, { cookie: cookieOf(world.members.member.client) });
    expect((await memberSocket.subscribe(org)).ok).toBe(true);
  }, 60_000);
  afterAll(async () => {
    memberSocket?.close();
    await database?.end();
    await server.close();
  });

  function db(): pg.Client {
    if (database === undefined) throw new Error('no database client');
    return database;
  }
  function socket(): Connection {
    if (memberSocket === undefined) throw new Error('no socket');
    return memberSocket;
  }

  async function share(body: Record<string, unknown>): Promise<CreatedReviewLinkView> {
    const response = await world.members.owner.client.post<CreatedReviewLinkView>(`/orgs/${org}/boards/${board.id}/links`, body);
    expectStatus(response, 201);
    return response.body;
  }

  it('shows the board to a named guest without costs, credits, settings or prompts, and images without their metadata', async () => {
    const link = await share({ mode: 'review', expiresInDays: 7, label: 'Acme' });
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(link.path).toBe(`/review/${link.token}`);
    const stored = await db().query<{ token_hash: string }>(`select token_hash from review_links where id = $1`, [link.id]);
    expect(stored.rows[0]?.token_hash).not.toContain(link.token);

    const guest = new Guest(server, link.token);
    const preview = await guest.call('GET', '');
    expect(preview.body).toMatchObject({ boardName: 'For the client', mode: 'review', needsPassword: false });
    const before = await guest.call('GET', '/board');
    expect(before.status).toBe(401);
    expect(before.body).toMatchObject({ code: 'guest_required' });
    expectStatus(await guest.join('Clara Client'), 201);

    const view = (await guest.call('GET', '/board')) as { status: number; body: ReviewBoardView };
    expectStatus(view, 200);
    expect(view.body.items.map((item) => item.assetId)).toEqual(assets);
    const keys = keysOf(view.body);
    expect(FORBIDDEN_KEYS.filter((key) => keys.has(key))).toEqual([]);
    expect(keys.has('prompt')).toBe(false);
    expect(JSON.stringify(view.body)).not.toContain('secret prompt');

    const image = await fetch(`${server.url}${String(view.body.items[0]?.imageUrl)}`, { headers: guest.headers() });
    expect(image.status).toBe(200);
    const png = Buffer.from(await image.arrayBuffer());
    expect(readPngText(png)).toEqual({});
    // The members' copy carries the settings in text chunks; the guest's copy has none of them.
    const memberImage = await fetch(`${server.url}/api/orgs/${org}/assets/${String(assets[0])}/image`, { headers: { cookie: cookieOf(world.members.member.client) } });
    expect(readPngText(Buffer.from(await memberImage.arrayBuffer()))).toHaveProperty(['atelier:prompt'], 'secret prompt of the campaign');

    const detail = (await guest.call('GET', `/assets/${String(assets[0])}`)) as { status: number; body: ReviewAssetView };
    expect(FORBIDDEN_KEYS.filter((key) => keysOf(detail.body).has(key))).toEqual([]);
  });

  it('shows prompts only when the sharer allowed them', async () => {
    const link = await share({ mode: 'view', expiresInDays: 1, allowPrompts: true });
    const guest = new Guest(server, link.token);
    await guest.join('Pat');
    const view = (await guest.call('GET', '/board')) as { status: number; body: ReviewBoardView };
    expect(view.body.items[0]?.prompt).toBe('secret prompt of the campaign');
    expect(FORBIDDEN_KEYS.filter((key) => keysOf(view.body).has(key))).toEqual([]);
  });

  it('lets a guest comment on a pinned point and approve; members see both live, get notified, and the audit trail has every step', async () => {
    const link = await share({ mode: 'review', expiresInDays: 7 });
    const guest = new Guest(server, link.token);
    await guest.join('Clara Client');
    expectStatus(await guest.call('GET', '/board'), 200);
    expectStatus(await guest.call('GET', '/board?poll=1'), 200);
    const comment = (await guest.call('POST', `/assets/${String(assets[0])}/comments`, { body: 'Can the logo be bigger here?', pin: { x: 0.25, y: 0.75 } })) as { status: number; body: CommentView };
    expectStatus(comment, 201);
    expect(comment.body).toMatchObject({ author: { kind: 'guest', name: 'Clara Client' }, pin: { x: 0.25, y: 0.75 }, boardId: board.id });
    const liveComment = await socket().waitFor('comment', (event) => event.comment.id === comment.body.id);
    expect(liveComment.comment.body).toBe('Can the logo be bigger here?');

    for (const assetId of assets) {
      expectStatus(await guest.call('PUT', `/assets/${assetId}/status`, { status: 'approved' }), 200);
    }
    const live = await socket().waitFor('board', (event) => event.boardId === board.id && event.board?.approvedCount === 2);
    expect(live.board?.items[0]?.review.by).toMatchObject({ kind: 'guest', name: 'Clara Client' });
    const memberView = await world.members.member.client.get<BoardView>(`/orgs/${org}/boards/${board.id}`);
    expect(memberView.body.approvedCount).toBe(2);

    // The images' author hears of the approvals; the sharer and the author of the image of the comment.
    const notes = await world.members.member.client.get<NotificationPage>(`/orgs/${org}/notifications`);
    expect(notes.body.notifications.filter((note) => note.kind === 'review_status' && note.data.boardId === board.id).length).toBeGreaterThanOrEqual(2);
    expect(notes.body.notifications.some((note) => note.kind === 'guest_comment' && note.message.includes('logo be bigger'))).toBe(true);
    const ownerNotes = await world.members.owner.client.get<NotificationPage>(`/orgs/${org}/notifications`);
    expect(ownerNotes.body.notifications.some((note) => note.kind === 'guest_comment')).toBe(true);

    const audit = await world.members.owner.client.get<AuditEntryView[]>(`/orgs/${org}/audit?limit=100`);
    const guestEntries = audit.body.filter((entry) => entry.actor === null && (entry.after as { linkId?: string } | null)?.linkId === link.id).map((entry) => entry.action);
    expect(guestEntries).toEqual(expect.arrayContaining(['review.join', 'review.comment', 'review.status']));
    expect(guestEntries.filter((action) => action === 'review.status')).toHaveLength(2);
    // A person's look is recorded; the page's background refresh (poll=1) is not.
    expect(guestEntries.filter((action) => action === 'review.board_viewed')).toHaveLength(1);
  });

  it('lets a guest edit and delete their own comments, never another guest\'s or a member\'s', async () => {
    const link = await share({ mode: 'review', expiresInDays: 7 });
    const clara = new Guest(server, link.token);
    await clara.join('Clara Client');
    const dan = new Guest(server, link.token);
    await dan.join('Dan Director');
    const written = (await clara.call('POST', `/assets/${String(assets[0])}/comments`, { body: 'Warmer light, please' })) as { status: number; body: CommentView };
    expectStatus(written, 201);

    // Another guest of the same link, and a guest without a token, cannot touch it.
    expect((await dan.call('PATCH', `/comments/${written.body.id}`, { body: 'hijacked' })).body).toMatchObject({ code: 'not_comment_author' });
    expect((await dan.call('DELETE', `/comments/${written.body.id}`)).status).toBe(403);
    expect((await new Guest(server, link.token).call('PATCH', `/comments/${written.body.id}`, { body: 'anyone' })).status).toBe(401);
    // A member's comment is not a guest's to change.
    const members = await world.members.member.client.post<CommentView>(`/orgs/${org}/assets/${String(assets[0])}/comments`, { body: 'On it' });
    expectStatus(members, 201);
    expect((await clara.call('PATCH', `/comments/${members.body.id}`, { body: 'changed' })).status).toBe(403);
    // Bad input names its field.
    expect((await clara.call('PATCH', `/comments/${written.body.id}`, { body: '' })).body).toMatchObject({ code: 'invalid_request', field: 'body' });

    const edited = (await clara.call('PATCH', `/comments/${written.body.id}`, { body: 'Warmer light, and a bigger logo' })) as { status: number; body: CommentView };
    expectStatus(edited, 200);
    expect(edited.body).toMatchObject({ body: 'Warmer light, and a bigger logo', author: { kind: 'guest', name: 'Clara Client' } });
    const liveEdit = await socket().waitFor('comment', (event) => event.comment.id === written.body.id && event.action === 'updated');
    expect(liveEdit.comment.body).toBe('Warmer light, and a bigger logo');

    expect((await clara.call('DELETE', `/comments/${written.body.id}`)).status).toBe(204);
    await socket().waitFor('comment', (event) => event.comment.id === written.body.id && event.action === 'deleted');
    const thread = await world.members.member.client.get<CommentView[]>(`/orgs/${org}/assets/${String(assets[0])}/comments`);
    expect(thread.body.find((comment) => comment.id === written.body.id)?.body ?? '').not.toContain('bigger logo');

    const audit = await world.members.owner.client.get<AuditEntryView[]>(`/orgs/${org}/audit?limit=100`);
    const actions = audit.body.filter((entry) => (entry.after as { linkId?: string } | null)?.linkId === link.id).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['review.comment_edit', 'review.comment_delete']));
  });

  it('tells a guest\'s page at once when its board or its images\' comments change, nothing of other boards, and ends it on revocation', async () => {
    const link = await share({ mode: 'review', expiresInDays: 7 });
    const guest = new Guest(server, link.token);
    await guest.join('Live Client');
    const strangerLink = await other.members.owner.client.post<CreatedReviewLinkView>(`/orgs/${other.organization.id}/boards/${other.boardId}/links`, { mode: 'review', expiresInDays: 7 });
    const stranger = new Guest(server, strangerLink.body.token);
    await stranger.join('Other Client');
    const heard: { who: string; event: string; payload: unknown }[] = [];
    const live = async (who: string, reviewToken: string, guestToken: string | undefined): Promise<Socket> => {
      const socket = io(`${server.url}/review`, { path: '/socket.io', transports: ['websocket'], reconnection: false, auth: { reviewToken, guestToken } });
      socket.onAny((event: string, payload: unknown) => heard.push({ who, event, payload }));
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => { resolve(); });
        socket.once('connect_error', reject);
      });
      return socket;
    };
    const mine = await live('mine', link.token, guest.guestToken);
    const theirs = await live('theirs', strangerLink.body.token, stranger.guestToken);
    const until = async (check: () => boolean): Promise<void> => {
      for (let waited = 0; !check(); waited += 25) {
        if (waited > 5_000) throw new Error(`not heard: ${JSON.stringify(heard)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };

    // A member comments on an image of the board, and approves another: the guest hears both, without any data.
    expectStatus(await world.members.member.client.post(`/orgs/${org}/assets/${String(assets[0])}/comments`, { body: 'Client, see the new crop' }), 201);
    await until(() => heard.some((entry) => entry.who === 'mine' && entry.event === 'changed' && JSON.stringify(entry.payload) === JSON.stringify({ scope: 'asset', assetId: assets[0] })));
    expectStatus(await world.members.owner.client.put(`/orgs/${org}/boards/${board.id}/items/${String(assets[1])}/status`, { status: 'changes_requested' }), 200);
    await until(() => heard.some((entry) => entry.who === 'mine' && entry.event === 'changed' && JSON.stringify(entry.payload) === JSON.stringify({ scope: 'board' })));
    // A comment on an image that is not on the board, and everything of the other org, never reach it.
    expectStatus(await world.members.member.client.post(`/orgs/${org}/assets/${offBoardAsset}/comments`, { body: 'internal only' }), 201);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(heard.filter((entry) => entry.who === 'mine' && JSON.stringify(entry.payload).includes(offBoardAsset))).toEqual([]);
    expect(heard.filter((entry) => entry.who === 'theirs')).toEqual([]);

    // No guest token, or a wrong one: refused.
    await expect(live('nobody', link.token, 'not-a-guest')).rejects.toMatchObject({ data: { code: 'guest_required' } });

    // Turned off: the guest's page is told and its connection ends; it cannot connect again.
    const closed = new Promise<void>((resolve) => mine.once('disconnect', () => { resolve(); }));
    expectStatus(await world.members.owner.client.delete(`/orgs/${org}/boards/${board.id}/links/${link.id}`), 200);
    await closed;
    expect(heard.some((entry) => entry.who === 'mine' && entry.event === 'ended' && (entry.payload as { code: string }).code === 'link_revoked')).toBe(true);
    await expect(live('again', link.token, guest.guestToken)).rejects.toMatchObject({ data: { code: 'link_revoked' } });
    theirs.close();
  });

  it('keeps view-only guests from commenting and approving', async () => {
    const link = await share({ mode: 'view', expiresInDays: 1 });
    const guest = new Guest(server, link.token);
    await guest.join('Viewer');
    const comment = await guest.call('POST', `/assets/${String(assets[0])}/comments`, { body: 'hello' });
    expect(comment.status).toBe(403);
    expect(comment.body).toMatchObject({ code: 'link_view_only' });
    expect((await guest.call('PUT', `/assets/${String(assets[0])}/status`, { status: 'approved' })).body).toMatchObject({ code: 'link_view_only' });
  });

  it('asks for the password (argon2-hashed), and stops guessing after ten wrong ones', async () => {
    const link = await share({ mode: 'review', expiresInDays: 1, password: 'open sesame' });
    const stored = await db().query<{ password_hash: string }>(`select password_hash from review_links where id = $1`, [link.id]);
    expect(stored.rows[0]?.password_hash).toMatch(/^\$argon2id\$/);
    const guest = new Guest(server, link.token);
    expect((await guest.call('GET', '')).body).toMatchObject({ needsPassword: true });
    expect((await guest.join('Eve')).body).toMatchObject({ code: 'password_required', field: 'password' });
    expect((await guest.join('Eve', 'wrong')).body).toMatchObject({ code: 'wrong_password', field: 'password' });
    expect((await guest.join('Ann', 'open sesame')).status).toBe(201);
    for (let attempt = 0; attempt < 9; attempt += 1) await guest.join('Eve', `guess ${String(attempt)}`);
    const blocked = await guest.join('Ann', 'open sesame');
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: 'rate_limited' });
  });

  it('stops working when it expires or is revoked, for guests already in too', async () => {
    const link = await share({ mode: 'review', expiresInDays: 1 });
    const guest = new Guest(server, link.token);
    await guest.join('Late');
    expectStatus(await guest.call('GET', '/board'), 200);
    await db().query(`update review_links set expires_at = now() - interval '1 second' where id = $1`, [link.id]);
    const expired = await guest.call('GET', '/board');
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({ code: 'link_expired' });

    const second = await share({ mode: 'review', expiresInDays: 1 });
    const guest2 = new Guest(server, second.token);
    await guest2.join('Soon gone');
    const revoked = await world.members.owner.client.delete<ReviewLinkView>(`/orgs/${org}/boards/${board.id}/links/${second.id}`);
    expect(revoked.body.revokedAt).not.toBeNull();
    for (const [method, path, body] of [['GET', '/board'], ['GET', `/assets/${String(assets[0])}/image`], ['POST', `/assets/${String(assets[0])}/comments`, { body: 'still here?' }], ['GET', '']] as const) {
      const response = await guest2.call(method, path, body);
      expect(`${method} ${path} ${String(response.status)} ${String((response.body as { code?: string }).code)}`).toBe(`${method} ${path} 410 link_revoked`);
    }
    const links = await world.members.owner.client.get<ReviewLinkView[]>(`/orgs/${org}/boards/${board.id}/links`);
    expect(links.body.find((candidate) => candidate.id === second.id)?.revokedAt).not.toBeNull();
  });

  it('gives a guest nothing outside the board: no other image, board, link, or org data', async () => {
    const link = await share({ mode: 'review', expiresInDays: 1 });
    const guest = new Guest(server, link.token);
    await guest.join('Curious');
    for (const assetId of [offBoardAsset, other.assetId, world.assetId]) {
      expect((await guest.call('GET', `/assets/${assetId}`)).status).toBe(404);
      expect((await guest.call('GET', `/assets/${assetId}/image`)).status).toBe(404);
      expect((await guest.call('POST', `/assets/${assetId}/comments`, { body: 'x' })).status).toBe(404);
      expect((await guest.call('PUT', `/assets/${assetId}/status`, { status: 'approved' })).status).toBe(404);
    }
    // Their guest token does not open another link (of this org's other board, or another org's).
    for (const foreign of [world.reviewLink.token, other.reviewLink.token]) {
      const elsewhere = await guest.client.request('GET', `/review/${foreign}/board`, undefined, guest.headers());
      expect(elsewhere.status).toBe(401);
    }
    // No org endpoint answers a guest: they have no session.
    for (const path of [`/orgs/${org}`, `/orgs/${org}/assets`, `/orgs/${org}/boards/${board.id}`, `/orgs/${org}/usage/spend?groupBy=member&bucket=day`, `/orgs/${org}/pool`, `/orgs/${org}/jobs`, `/orgs/${org}/assets/${String(assets[0])}`]) {
      const response = await guest.client.request('GET', path, undefined, guest.headers());
      expect(`${path} ${String(response.status)}`).toBe(`${path} 401`);
    }
    const unknown = await new Guest(server, 'x'.repeat(43)).call('GET', '');
    expect(unknown.status).toBe(404);
    const job = await guest.client.request('POST', `/orgs/${org}/jobs`, { request: { operation: 'text-to-image', model: 'flux-schnell' }, prompt: 'free images?' }, guest.headers());
    expect(job.status).toBe(401);
  });
});

describe('client review link rate limit', () => {
  let server: TestApp;

  beforeAll(async () => {
    server = await startTestApp({ RATE_LIMIT_REVIEW_PER_MINUTE: '5' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 429 with Retry-After once an address is over the review limit, whatever the token', async () => {
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let attempt = 0; attempt < 7; attempt += 1) {
      last = await fetch(`${server.url}/api/review/${'t'.repeat(30)}${String(attempt)}`);
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
