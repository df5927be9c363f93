import type {
  AlertEvent,
  BoardEvent,
  BudgetEvent,
  CommentEvent,
  BudgetView,
  ClientToServerEvents,
  JobView,
  PoolBalanceEvent,
  PresenceChange,
  PresenceEntry,
  RealtimeSnapshot,
  ServerToClientEvents,
  ServiceStatusEvent,
} from '@atelier/contracts';
import { io, type Socket } from 'socket.io-client';
import { isOlderVersion } from './versions.js';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'failed';
type RealtimeSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const MAX_JOBS = 60;
const MAX_ALERTS = 20;

/**
 * Live state of one organization for the signed-in person: the pool, their budget, jobs (theirs
 * and the team's), presence and alerts. Subscribes on every (re)connect and takes the snapshot;
 * balance events older than the version held are dropped.
 */
export class OrgRealtime {
  readonly organizationId: string;
  pool = $state<PoolBalanceEvent | undefined>();
  budget = $state<BudgetView | undefined>();
  /** The models I may use, when a manager changed them since the page loaded (null: every model). */
  allowedModels = $state<string[] | null | undefined>();
  /** Newest first. */
  jobs = $state<JobView[]>([]);
  presence = $state<PresenceEntry[]>([]);
  /** Free-tier units the org has used this period, per allowance: the cost line prices with them. */
  freeUnitsUsed = $state<Record<string, number>>({});
  /** Newest first. */
  alerts = $state<AlertEvent[]>([]);
  connection = $state<ConnectionState>('connecting');
  /** Why the connection failed, with what to do next (shown in the header). */
  problem = $state<string | undefined>();
  /** What the server can do now, when it said something is down (undefined: all is well). */
  service = $state<ServiceStatusEvent | undefined>();
  private poolVersion: string | undefined;
  private budgetVersion: string | undefined;
  private workspaceId: string | null = null;
  private socket: RealtimeSocket | undefined;
  // Plain sets of callbacks, not state: nothing renders from them.
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly boardListeners = new Set<(event: BoardEvent) => void>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  private readonly commentListeners = new Set<(event: CommentEvent) => void>();

  constructor(organizationId: string) {
    this.organizationId = organizationId;
  }

  connect(url?: string): void {
    if (this.socket !== undefined) return;
    const socket: RealtimeSocket = io(url ?? '', { path: '/socket.io', withCredentials: true, transports: ['websocket'] });
    this.socket = socket;
    socket.on('connect', () => {
      this.subscribe();
    });
    socket.on('service', (event) => {
      // Events were paused meanwhile: take a fresh snapshot of balances and jobs.
      if (this.applyService(event)) this.subscribe();
    });
    socket.on('disconnect', () => {
      this.connection = 'reconnecting';
    });
    socket.on('connect_error', (error) => {
      this.connection = socket.active ? 'reconnecting' : 'failed';
      this.problem =
        error.message === 'unauthenticated' ? 'Your session has ended: sign in again.' : 'Live updates are interrupted; retrying… Check your connection if this lasts.';
    });
    socket.on('balance', (event) => {
      this.applyPool(event);
    });
    socket.on('budget', (event) => {
      this.applyBudget(event);
    });
    socket.on('job', (event) => {
      if (event.organizationId === this.organizationId) this.upsertJob(event.job);
    });
    socket.on('presence:batch', (batch) => {
      if (batch.organizationId === this.organizationId) this.applyPresence(batch.changes);
    });
    socket.on('free-usage', (event) => {
      if (event.organizationId === this.organizationId) this.freeUnitsUsed = event.freeUnitsUsed;
    });
    socket.on('alert', (event) => {
      if (event.organizationId !== this.organizationId) return;
      this.alerts = [event, ...this.alerts].slice(0, MAX_ALERTS);
    });
    socket.on('board', (event) => {
      if (event.organizationId === this.organizationId) for (const listener of this.boardListeners) listener(event);
    });
    socket.on('comment', (event) => {
      if (event.organizationId === this.organizationId) for (const listener of this.commentListeners) listener(event);
    });
  }

  /** Calls `listener` with every board change in this org (by anyone, guests included) until the returned function is called. */
  onBoard(listener: (event: BoardEvent) => void): () => void {
    this.boardListeners.add(listener);
    return () => this.boardListeners.delete(listener);
  }

  /** Calls `listener` with every comment change in this org until the returned function is called. */
  onComment(listener: (event: CommentEvent) => void): () => void {
    this.commentListeners.add(listener);
    return () => this.commentListeners.delete(listener);
  }

  /** Tell the others which workspace I am looking at (null: none). */
  lookAt(workspaceId: string | null): void {
    this.workspaceId = workspaceId;
    if (this.connection !== 'live') return;
    this.socket?.emit('presence:workspace', { organizationId: this.organizationId, workspaceId }, () => undefined);
  }

  /** Jobs fetched over HTTP (the team's history) merged with what the socket has said. */
  mergeJobs(jobs: readonly JobView[]): void {
    for (const job of jobs) this.upsertJob(job);
  }

  /** A job the API just returned (submit, cancel): shown at once, before its event arrives. */
  upsertJob(job: JobView): void {
    const index = this.jobs.findIndex((candidate) => candidate.id === job.id);
    if (index === -1) {
      this.jobs = [job, ...this.jobs].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, MAX_JOBS);
      return;
    }
    const held = this.jobs[index];
    if (held !== undefined && isFurther(held, job)) return;
    this.jobs[index] = job;
  }

  /** Balances the API just returned (a submitted job's): applied like an event of that version. */
  applyPool(event: PoolBalanceEvent): void {
    if (event.organizationId !== this.organizationId || isOlderVersion(event.version, this.poolVersion)) return;
    this.poolVersion = event.version;
    this.pool = event;
  }

  /** Pool figures an API answer carried (a submitted job's), applied like an event of that version. */
  applyBalances(pool: { availableCredits: number; pendingCredits: number; version: string }): void {
    if (this.pool === undefined || isOlderVersion(pool.version, this.poolVersion)) return;
    this.poolVersion = pool.version;
    this.pool = { ...this.pool, ...pool, postedCredits: pool.availableCredits + pool.pendingCredits };
  }

  /** My budget as the server pushed it (after a job, or a manager's change with my allowed models). */
  applyBudget(event: BudgetEvent): void {
    if (event.organizationId !== this.organizationId) return;
    if (event.allowedModels !== undefined) this.allowedModels = event.allowedModels;
    if (isOlderVersion(event.version, this.budgetVersion)) return;
    this.budgetVersion = event.version;
    this.budget = event.budget;
  }

  dismissAlert(alert: AlertEvent): void {
    this.alerts = this.alerts.filter((candidate) => candidate !== alert);
  }

  disconnect(): void {
    this.socket?.emit('unsubscribe', { organizationId: this.organizationId }, () => undefined);
    this.socket?.disconnect();
    this.socket = undefined;
  }

  /** What the server says it can do now; true when it has just recovered (re-read what is shown). */
  applyService(event: ServiceStatusEvent): boolean {
    const healthy = event.database === 'up' && event.workers !== 'paused';
    const recovered = healthy && this.service !== undefined;
    this.service = healthy ? undefined : event;
    return recovered;
  }

  private subscribe(): void {
    this.socket?.emit('subscribe', { organizationId: this.organizationId, workspaceId: this.workspaceId }, (result) => {
      if (!result.ok) {
        this.connection = 'failed';
        this.problem = result.error.code === 'not_found' ? 'You are no longer a member of this organization: pick another one.' : result.error.message;
        return;
      }
      this.applySnapshot(result.snapshot);
      this.connection = 'live';
      this.problem = undefined;
    });
  }

  private applySnapshot(snapshot: RealtimeSnapshot): void {
    this.applyPool(snapshot.pool);
    if (!isOlderVersion(snapshot.budget.version, this.budgetVersion)) {
      this.budgetVersion = snapshot.budget.version;
      this.budget = snapshot.budget.budget;
    }
    this.mergeJobs(snapshot.recentJobs);
    this.presence = snapshot.presence;
    this.freeUnitsUsed = snapshot.freeUnitsUsed;
  }

  /** A batch of joins, workspace changes and leaves, applied in order as one change of the list. */
  applyPresence(changes: readonly PresenceChange[]): void {
    const entries = [...this.presence];
    for (const { kind, ...change } of changes) {
      const index = entries.findIndex((entry) => entry.connectionId === change.connectionId);
      if (kind === 'leave') {
        if (index >= 0) entries.splice(index, 1);
        continue;
      }
      const entry = { connectionId: change.connectionId, userId: change.userId, name: change.name, workspaceId: change.workspaceId };
      if (index >= 0) entries[index] = entry;
      else entries.push(entry);
    }
    this.presence = entries;
  }
}

const statusOrder: Record<JobView['status'], number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

/** True when `held` is further along than `incoming` (a late event must not undo progress). */
function isFurther(held: JobView, incoming: JobView): boolean {
  const heldRank = statusOrder[held.status];
  const incomingRank = statusOrder[incoming.status];
  if (heldRank !== incomingRank) return heldRank > incomingRank;
  return held.progressPercent > incoming.progressPercent;
}
