/**
 * The realtime event map (socket.io at `/socket.io`), typed once for the server, the tests and the
 * web app. Type-only: no framework imports, it runs in the browser.
 *
 * Rooms: every authenticated socket is in `user:{userId}` (its own budget, alerts). A socket joins
 * `org:{organizationId}` only through `subscribe`, after the server has checked membership.
 *
 * Versions: every balance-bearing event (`balance`, `budget`, and the snapshot's pool and budget)
 * carries `version`, the ledger's pool balance version: a bigint written as a decimal string that
 * only grows. Events can arrive out of order (several nodes, a snapshot racing a live event), so a
 * client keeps the version it holds and DROPS an event whose version is older
 * (`compareVersions(event.version, held) < 0`); an equal version is safe to apply.
 *
 * Reconnects: rooms do not survive a reconnect. A client sends `subscribe` again on every
 * `connect`, and the ack carries a full snapshot (pool, my budget, my recent jobs, presence).
 * The server joins the room before it reads the snapshot, so nothing is missed in between.
 */
import type { AlertData, AlertKind } from './alerts.js';
import type { BoardView, CommentView } from './boards.js';
import type { JobView } from './jobs.js';
import type { BudgetView, PoolView } from './views.js';

/** The org's shared credit pool. To `org:{id}`. */
export type PoolBalanceEvent = PoolView & { organizationId: string };

/** The receiving user's own budget in one org. To `user:{id}`. */
export interface BudgetEvent {
  organizationId: string;
  userId: string;
  budget: BudgetView;
  /** Pool balance version the budget was read at (see above). */
  version: string;
  /**
   * Present when a manager changed this member's budget settings: the models they may use now
   * (null: every model). Absent on the budget events that follow jobs.
   */
  allowedModels?: string[] | null;
}

/** A job was submitted, started, progressed or finished. To `org:{id}`: everyone's jobs. */
export interface JobEvent {
  organizationId: string;
  job: JobView;
}

export interface PresenceEntry {
  /** One per connection (a person with two tabs has two). */
  connectionId: string;
  userId: string;
  name: string;
  /** The workspace the person is looking at, as they last said; null when none. */
  workspaceId: string | null;
}

/** Someone subscribed to the org, changed workspace or left. */
export type PresenceEvent = PresenceEntry & { organizationId: string };

/** One presence change: a socket joined the org, said which workspace it looks at (`update`), or left. */
export type PresenceChange = PresenceEntry & { kind: 'join' | 'update' | 'leave' };

/**
 * The presence changes of the moment in an org, in the order they happened (at most a few frames
 * a second per org). To `org:{id}`; a subscriber may get its own join, already in its snapshot.
 */
export interface PresenceBatch {
  organizationId: string;
  changes: PresenceChange[];
}

/** Something a person should notice (kinds: alerts.ts), as a new notification. To `user:{id}`. */
export interface AlertEvent {
  /** The notification's id (mark it read with it). */
  id: string;
  alertId: string;
  organizationId: string;
  kind: AlertKind;
  title: string;
  message: string;
  data: AlertData;
  at: string;
}

/**
 * Free units of the catalog's free tiers the org has used this period, per allowance id (the
 * whole map, after every change). To `org:{id}`. The browser prices with it, so the cost under
 * Generate is the charge, free tier included.
 */
export interface FreeUsageEvent {
  organizationId: string;
  freeUnitsUsed: Record<string, number>;
}

/**
 * A board changed: created, renamed, cover set, images added, removed or reordered, a review
 * status set (by a member or a guest of a review link), or deleted (`board` null). To `org:{id}`.
 * The board is sent whole (with its items), so a client replaces what it holds.
 */
export interface BoardEvent {
  organizationId: string;
  boardId: string;
  action: 'created' | 'updated' | 'items' | 'reordered' | 'status' | 'deleted';
  /** Who did it: a member's id, or null for a guest. */
  actorId: string | null;
  board: BoardView | null;
}

/** A comment on an image was added, edited, resolved, reopened or deleted. To `org:{id}`. */
export interface CommentEvent {
  organizationId: string;
  assetId: string;
  action: 'created' | 'updated' | 'resolved' | 'reopened' | 'deleted';
  comment: CommentView;
}

export interface RealtimeSnapshot {
  organizationId: string;
  pool: PoolBalanceEvent;
  budget: BudgetEvent;
  /** The user's latest jobs, newest first. */
  recentJobs: JobView[];
  presence: PresenceEntry[];
  /** Free-tier units used this period (see FreeUsageEvent). */
  freeUnitsUsed: Record<string, number>;
}

export type RealtimeErrorCode = 'invalid_request' | 'not_found' | 'unauthenticated';

export type Ack<T = Record<string, never>> =
  | ({ ok: true } & T)
  | { ok: false; error: { code: RealtimeErrorCode; message: string } };

export interface SubscribeRequest {
  organizationId: string;
  /** The workspace the person is looking at, for presence. */
  workspaceId?: string | null;
}

/**
 * What the node this socket is connected to can do now. Sent to every socket of the node when it
 * changes (and at once to a socket connecting while something is down): while `database` is
 * `'down'` requests answer 503 `service_unavailable` with Retry-After, live events pause, and the
 * socket stays connected; `'up'` again means the client should re-read what it shows (resubscribe).
 */
export interface ServiceStatusEvent {
  database: 'up' | 'down';
  /** Absent on an API-only node; `'paused'` while job workers wait for the database. */
  workers?: 'running' | 'paused';
  /** When the database's current state began (ISO). */
  since: string;
}

export interface ServerToClientEvents {
  balance: (event: PoolBalanceEvent) => void;
  budget: (event: BudgetEvent) => void;
  job: (event: JobEvent) => void;
  'presence:batch': (event: PresenceBatch) => void;
  alert: (event: AlertEvent) => void;
  'free-usage': (event: FreeUsageEvent) => void;
  service: (event: ServiceStatusEvent) => void;
  board: (event: BoardEvent) => void;
  comment: (event: CommentEvent) => void;
}

export interface ClientToServerEvents {
  /** Join `org:{id}`; an unknown org, or one the caller is not a member of, is `not_found`. */
  subscribe: (request: SubscribeRequest, ack: (result: Ack<{ snapshot: RealtimeSnapshot }>) => void) => void;
  unsubscribe: (request: { organizationId: string }, ack: (result: Ack) => void) => void;
  /** Say which workspace one is looking at in a subscribed org (null: none). */
  'presence:workspace': (request: { organizationId: string; workspaceId: string | null }, ack: (result: Ack) => void) => void;
}

/** Orders two balance versions (decimal bigint strings): negative when `a` is older than `b`. */
export function compareVersions(a: string, b: string): number {
  const left = BigInt(a);
  const right = BigInt(b);
  return left < right ? -1 : left > right ? 1 : 0;
}
