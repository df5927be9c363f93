import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { RedisRepository } from '../repositories/redis.repository.js';
import type {
  Ack,
  BoardEvent,
  CommentEvent,
  BudgetEvent,
  ClientToServerEvents,
  PoolBalanceEvent,
  PresenceEntry,
  PresenceEvent,
  FreeUsageEvent,
  RealtimeSnapshot,
  ServerToClientEvents,
  ServiceStatusEvent,
} from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { AuthService } from '../auth/auth.service.js';
import type { Principal } from '../auth/principal.js';
import { UsersRepository } from '../auth/users.repository.js';
import { isRevokedBy, RevocationEvents, type Revocation } from '../auth/revocations.js';
import type { AlertRaised, BalanceChanged, JobChanged, MemberBudgetChanged, MembershipChanged } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { JobsService } from '../jobs/jobs.service.js';
import { MembershipsRepository } from '../orgs/memberships.repository.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { handshakeCredentials } from './handshake.js';
import { originAllowed } from '../common/origin.js';
import { ReviewLive } from './review-live.js';
import { PresenceBatches } from './presence.js';
import { ReadCoalescer } from '../common/read-coalescer.js';
import { ServiceStatus, type ServiceState } from '../health/service-status.js';

export const SOCKET_PATH = '/socket.io';
const RECENT_JOBS = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Job statuses after which the author's budget has changed: a hold placed, captured or voided. */
const BUDGET_CHANGING = new Set(['queued', 'succeeded', 'failed', 'cancelled']);

export interface SocketData {
  userId: string;
  name: string;
  principal: Principal;
  /** Subscribed orgs, each with the workspace the person said they are looking at. */
  workspaces: Record<string, string | null>;
}

/** Between nodes (through the Redis adapter): a revocation made on one node, for the others' collab connections. */
interface InterServerEvents {
  'credentials:revoked': (revocation: Revocation) => void;
}
export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export const orgRoom = (organizationId: string): string => `org:${organizationId}`;
export const userRoom = (userId: string): string => `user:${userId}`;

function failure(code: 'invalid_request' | 'not_found' | 'unauthenticated', message: string): { ok: false; error: { code: typeof code; message: string } } {
  return { ok: false, error: { code, message } };
}

/** Calls a client's ack if it sent one (a client may omit it, or send something else). */
function reply<T>(ack: unknown, result: Ack<T> | Ack): void {
  if (typeof ack === 'function') (ack as (value: unknown) => void)(result);
}

function organizationIdOf(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const id = (request as { organizationId?: unknown }).organizationId;
  return typeof id === 'string' && UUID.test(id) ? id.toLowerCase() : undefined;
}

function workspaceIdOf(request: unknown): string | null | undefined {
  if (typeof request !== 'object' || request === null) return undefined;
  const id = (request as { workspaceId?: unknown }).workspaceId;
  if (id === undefined) return null;
  if (id === null) return null;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
}

/**
 * The socket.io gateway on the app's HTTP server (`/socket.io`): authenticates each socket by its
 * session cookie or API key, puts it in `user:{id}`, lets it subscribe to orgs it is a member of
 * (`org:{id}`), and forwards the job, balance, alert and membership events of the app's EventBus. With
 * REDIS_URL the Redis adapter carries every emit to the sockets of all nodes.
 */
@Injectable()
export class RealtimeGateway implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Realtime');
  private io: RealtimeServer | undefined;
  private redis: { pub: Redis; sub: Redis } | undefined;
  private unsubscribe: (() => void)[] = [];
  /** Presence changes, sent to each org's room a few times a second. */
  private readonly presenceBatches = new PresenceBatches((organizationId, batch) => {
    this.io?.to(orgRoom(organizationId)).emit('presence:batch', batch);
  });
  /**
   * What a subscribe reads, shared by a burst of subscribes (a reconnect of a whole org), never
   * with a read begun before the subscribe asked (ReadCoalescer). Keys: org, org|user, or user.
   */
  private readonly subscribeReads = {
    member: new ReadCoalescer<string, boolean>(),
    pool: new ReadCoalescer<string, Awaited<ReturnType<LedgerRepository['poolBalance']>>>(),
    budget: new ReadCoalescer<string, BudgetEvent | undefined>(),
    recentJobs: new ReadCoalescer<string, Awaited<ReturnType<JobsService['list']>>>(),
    freeUnitsUsed: new ReadCoalescer<string, Awaited<ReturnType<JobsService['freeUnitsUsed']>>>(),
    name: new ReadCoalescer<string, string>(),
    /** The room's presence across every node. */
    presence: new ReadCoalescer<string, PresenceEntry[]>(),
  };
  /** Budget reads in flight per member (`org|user`), and whether another is wanted after. */
  private readonly budgetSends = new Map<string, { again: boolean }>();
  private readonly onJob = (event: JobChanged): void => {
    this.jobChanged(event).catch((error: unknown) => {
      this.logger.warn(`could not forward job ${event.job.id}: ${String(error)}`);
    });
  };
  private readonly onBalance = (event: BalanceChanged): void => {
    this.balanceChanged(event);
  };
  private readonly onFreeUsage = (event: FreeUsageEvent): void => {
    this.io?.to(orgRoom(event.organizationId)).emit('free-usage', event);
  };
  private readonly onMembershipChange = (change: MembershipChanged): void => {
    if (change.role !== null) return;
    this.membershipRevoked(change.organizationId, change.userId).catch((error: unknown) => {
      this.logger.warn(`could not remove ${change.userId}'s sockets from org ${change.organizationId}: ${String(error)}`);
    });
  };
  private readonly onBudgetChange = (change: MemberBudgetChanged): void => {
    Promise.all([this.budgetEvent(change.organizationId, change.userId), this.memberships.allowedModels(change.organizationId, change.userId)])
      .then(([budget, allowedModels]) => {
        if (budget !== undefined) this.io?.to(userRoom(change.userId)).emit('budget', { ...budget, allowedModels });
      })
      .catch((error: unknown) => {
        this.logger.warn(`could not send ${change.userId}'s new budget: ${String(error)}`);
      });
  };
  private readonly onRevoked = (revocation: Revocation): void => {
    this.credentialsRevoked(revocation).catch((error: unknown) => {
      this.logger.warn(`could not disconnect ${revocation.userId}'s revoked sockets: ${String(error)}`);
    });
  };
  /** This node's database went down or came back: its own sockets hear it (not other nodes'). */
  private readonly onServiceChange = (state: ServiceState): void => {
    this.io?.local.emit('service', serviceEvent(state));
  };
  private readonly onAlert = (event: AlertRaised): void => {
    this.io?.to(userRoom(event.userId)).emit('alert', event.alert);
  };
  private readonly onBoard = (event: BoardEvent): void => {
    this.io?.to(orgRoom(event.organizationId)).emit('board', event);
  };
  private readonly onComment = (event: CommentEvent): void => {
    this.io?.to(orgRoom(event.organizationId)).emit('comment', event);
  };

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(AuthService) private readonly auth: AuthService,
    @Inject(DatabaseRepository) private readonly database: DatabaseRepository,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(RedisRepository) private readonly redisConnections: RedisRepository,
    @Inject(JobsService) private readonly jobs: JobsService,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(MembershipsRepository) private readonly memberships: MembershipsRepository,
    @Inject(RevocationEvents) private readonly revocations: RevocationEvents,
    @Inject(ServiceStatus) private readonly status: ServiceStatus,
    @Inject(ReviewLive) private readonly reviewLive: ReviewLive,
  ) {}

  /** The socket.io server (after bootstrap). */
  get server(): RealtimeServer {
    if (this.io === undefined) throw new Error('the realtime gateway has not started');
    return this.io;
  }

  async onApplicationBootstrap(): Promise<void> {
    const httpServer = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    const io: RealtimeServer = new Server(httpServer, {
      path: SOCKET_PATH,
      serveClient: false,
      // Other upgrade handlers share the HTTP server (Hocuspocus at /collab): leave their upgrades alone.
      destroyUpgrade: false,
    });
    if (this.config.redisUrl !== undefined) {
      const pub = this.redisConnections.newConnection({ lazyConnect: true }, (error) => {
        this.logger.warn(`redis (publish): ${error.message}`);
      });
      const sub = this.redisConnections.newConnection({ lazyConnect: true }, (error) => {
        this.logger.warn(`redis (subscribe): ${error.message}`);
      });
      if (pub === undefined || sub === undefined) throw new Error('REDIS_URL is set but Redis is not configured');
      await Promise.all([pub.connect(), sub.connect()]);
      this.redis = { pub, sub };
      io.adapter(createAdapter(pub, sub, { requestsTimeout: 3_000 }));
    }
    io.use((socket, next) => {
      this.authenticate(socket).then(
        () => {
          next();
        },
        (error: unknown) => {
          next(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    io.on('connection', (socket) => {
      this.connected(socket);
      const state = this.status.state;
      if (state.database === 'down' || state.workers === 'paused') socket.emit('service', serviceEvent(state));
    });
    io.on('credentials:revoked', (revocation) => {
      this.revocations.emitter.emit('revokedElsewhere', revocation);
    });
    this.io = io;
    this.reviewLive.attach(io);
    this.unsubscribe = [
      this.events.subscribe('job.changed', this.onJob),
      this.events.subscribe('balance.changed', this.onBalance),
      this.events.subscribe('free-usage.changed', this.onFreeUsage),
      this.events.subscribe('alert.raised', this.onAlert),
      this.events.subscribe('membership.changed', this.onMembershipChange),
      this.events.subscribe('member-budget.changed', this.onBudgetChange),
      this.events.subscribe('board.changed', this.onBoard),
      this.events.subscribe('comment.changed', this.onComment),
    ];
    this.revocations.emitter.on('revoked', this.onRevoked);
    this.status.events.on('change', this.onServiceChange);
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const stop of this.unsubscribe) stop();
    this.unsubscribe = [];
    this.reviewLive.detach();
    this.revocations.emitter.off('revoked', this.onRevoked);
    this.status.events.off('change', this.onServiceChange);
    this.presenceBatches.stop();
    // Disconnects every socket, closes the adapter (Redis subscriptions) and engine.io.
    await this.io?.close();
    this.io = undefined;
    if (this.redis !== undefined) {
      await Promise.all([this.redis.pub.quit().catch(() => undefined), this.redis.sub.quit().catch(() => undefined)]);
      this.redis = undefined;
    }
  }

  private async authenticate(socket: RealtimeSocket): Promise<void> {
    const credentials = handshakeCredentials(socket.handshake.headers, socket.handshake.auth);
    if (credentials === undefined) throw unauthenticated('Sign in to continue.');
    // A page of another site must not ride on the browser's session cookie (cross-site WebSocket hijacking).
    if (credentials.kind === 'session' && !originAllowed(socket.handshake.headers.origin, socket.handshake.headers.host, this.config.allowedOrigins)) {
      throw Object.assign(new Error('origin_not_allowed'), { data: { code: 'origin_not_allowed' as const, message: 'This page may not connect with your session.' } });
    }
    const principal = await this.database.withOwnContext(() =>
      credentials.kind === 'apiKey' ? this.auth.principalForApiKey(credentials.secret) : this.auth.principalForSession(credentials.token),
    );
    if (principal === undefined) {
      throw unauthenticated(credentials.kind === 'apiKey' ? 'This API key is unknown or revoked.' : 'Sign in to continue.');
    }
    const name = await this.subscribeReads.name.read(principal.userId, () => this.users.nameOf(principal.userId));
    socket.data = { userId: principal.userId, name, principal, workspaces: {} };
  }

  private connected(socket: RealtimeSocket): void {
    void socket.join(userRoom(socket.data.userId));
    socket.on('subscribe', (request: unknown, ack: unknown) => {
      this.subscribe(socket, request).then(
        (result) => {
          reply(ack, result);
        },
        (error: unknown) => {
          this.logger.warn(`subscribe failed: ${String(error)}`);
          reply(ack, failure('invalid_request', 'The subscription failed; try again.'));
        },
      );
    });
    socket.on('unsubscribe', (request: unknown, ack: unknown) => {
      const organizationId = organizationIdOf(request);
      if (organizationId === undefined || !(organizationId in socket.data.workspaces)) {
        reply(ack, failure('not_found', 'Not subscribed to this organization.'));
        return;
      }
      this.leave(socket, organizationId);
      reply(ack, { ok: true });
    });
    socket.on('presence:workspace', (request: unknown, ack: unknown) => {
      const organizationId = organizationIdOf(request);
      const workspaceId = workspaceIdOf(request);
      if (organizationId === undefined || !(organizationId in socket.data.workspaces)) {
        reply(ack, failure('not_found', 'Subscribe to the organization first.'));
        return;
      }
      if (workspaceId === undefined) {
        reply(ack, failure('invalid_request', 'workspaceId must be a string of 1 to 128 characters, or null.'));
        return;
      }
      socket.data.workspaces[organizationId] = workspaceId;
      this.presenceBatches.add('update', this.presence(socket, organizationId));
      reply(ack, { ok: true });
    });
    socket.on('disconnecting', () => {
      for (const organizationId of Object.keys(socket.data.workspaces)) this.leave(socket, organizationId);
    });
  }

  private async subscribe(socket: RealtimeSocket, request: unknown): Promise<Ack<{ snapshot: RealtimeSnapshot }>> {
    const organizationId = organizationIdOf(request);
    const workspaceId = workspaceIdOf(request);
    if (organizationId === undefined) return failure('invalid_request', 'organizationId must be a UUID.');
    if (workspaceId === undefined) return failure('invalid_request', 'workspaceId must be a string of 1 to 128 characters, or null.');
    const { principal, userId } = socket.data;
    const apiKeyElsewhere = principal.kind === 'apiKey' && principal.organizationId !== organizationId;
    const member = await this.subscribeReads.member.read(`${organizationId}|${userId}`, () => this.memberships.isMemberOfActiveOrganization(organizationId, userId));
    if (apiKeyElsewhere || !member) {
      // The same answer for an unknown org and someone else's: it reveals nothing.
      return failure('not_found', 'The organization was not found.');
    }
    const already = organizationId in socket.data.workspaces;
    socket.data.workspaces[organizationId] = workspaceId;
    // Join first, then read: an event in between arrives live, and versions order it against the snapshot.
    await socket.join(orgRoom(organizationId));
    if (!already) this.presenceBatches.add('join', this.presence(socket, organizationId));
    return { ok: true, snapshot: await this.snapshot(organizationId, userId) };
  }

  private leave(socket: RealtimeSocket, organizationId: string): void {
    const entry = this.presence(socket, organizationId);
    Reflect.deleteProperty(socket.data.workspaces, organizationId);
    void socket.leave(orgRoom(organizationId));
    this.presenceBatches.add('leave', entry);
  }

  /** A removed member's sockets (on every node) leave the org's room; the others see them go. */
  private async membershipRevoked(organizationId: string, userId: string): Promise<void> {
    const io = this.io;
    if (io === undefined) return;
    const sockets = await io.in(userRoom(userId)).fetchSockets();
    for (const socket of sockets) {
      if (!socket.rooms.has(orgRoom(organizationId))) continue;
      const entry = this.presence(socket, organizationId);
      socket.leave(orgRoom(organizationId));
      this.presenceBatches.add('leave', entry);
    }
  }

  /**
   * Sockets opened with revoked credentials, on every node (through the adapter), are disconnected
   * at once; the other nodes hear of it for their collab connections.
   */
  private async credentialsRevoked(revocation: Revocation): Promise<void> {
    const io = this.io;
    if (io === undefined) return;
    io.serverSideEmit('credentials:revoked', revocation);
    const sockets = await io.in(userRoom(revocation.userId)).fetchSockets();
    for (const socket of sockets) {
      if (isRevokedBy(socket.data.principal, revocation)) socket.disconnect(true);
    }
  }

  private presence(socket: { id: string; data: SocketData }, organizationId: string): PresenceEvent {
    return {
      organizationId,
      connectionId: socket.id,
      userId: socket.data.userId,
      name: socket.data.name,
      workspaceId: socket.data.workspaces[organizationId] ?? null,
    };
  }

  async snapshot(organizationId: string, userId: string): Promise<RealtimeSnapshot> {
    const reads = this.subscribeReads;
    const [pool, budget, recentJobs, presence, freeUnitsUsed] = await Promise.all([
      reads.pool.read(organizationId, () => this.ledger.poolBalance(organizationId)),
      reads.budget.read(`${organizationId}|${userId}`, () => this.budgetEvent(organizationId, userId)),
      reads.recentJobs.read(`${organizationId}|${userId}`, () => this.jobs.list(organizationId, { authorId: userId, limit: RECENT_JOBS })),
      reads.presence.read(organizationId, () => this.readPresence(organizationId)),
      reads.freeUnitsUsed.read(organizationId, () => this.jobs.freeUnitsUsed(organizationId)),
    ]);
    if (budget === undefined) throw new Error(`organization ${organizationId} has no credit pool`);
    return { organizationId, pool: { organizationId, ...pool }, budget, recentJobs, presence, freeUnitsUsed };
  }

  /**
   * The presence of every node's sockets in the org room (asked through the adapter; this node's
   * alone if a node does not answer in time), built once for all the subscribes that share it.
   */
  private async readPresence(organizationId: string): Promise<PresenceEntry[]> {
    let sockets: { id: string; data: SocketData }[];
    try {
      sockets = await this.server.in(orgRoom(organizationId)).fetchSockets();
    } catch (error) {
      this.logger.warn(`presence from other nodes unavailable (${String(error)}); sending this node's`);
      sockets = await this.server.local.in(orgRoom(organizationId)).fetchSockets();
    }
    return sockets.map((socket) => {
      const { organizationId: _organization, ...entry } = this.presence(socket, organizationId);
      return entry;
    });
  }

  private async budgetEvent(organizationId: string, userId: string): Promise<BudgetEvent | undefined> {
    const state = await this.ledger.memberBudgetState(organizationId, userId);
    return state === undefined ? undefined : { organizationId, userId, ...state };
  }

  private balanceChanged(event: BalanceChanged): void {
    const payload: PoolBalanceEvent = {
      organizationId: event.organizationId,
      availableCredits: event.availableCredits,
      pendingCredits: event.pendingCredits,
      postedCredits: event.postedCredits,
      version: event.version,
    };
    this.io?.to(orgRoom(event.organizationId)).emit('balance', payload);
  }

  private async jobChanged({ organizationId, job }: JobChanged): Promise<void> {
    const io = this.io;
    if (io === undefined) return;
    io.to(orgRoom(organizationId)).emit('job', { organizationId, job });
    if (!BUDGET_CHANGING.has(job.status)) return;
    // The hold was placed, captured or voided: the author's budget moved.
    await this.sendBudget(organizationId, job.authorId);
  }

  /**
   * A member's budget to their sockets after their jobs moved it: one read at a time per member,
   * and one more after it when jobs moved it meanwhile (a burst of submits costs two reads, not one
   * each). Every change is followed by a read that began after it; clients keep the newest version.
   */
  private async sendBudget(organizationId: string, userId: string): Promise<void> {
    const key = `${organizationId}|${userId}`;
    const running = this.budgetSends.get(key);
    if (running !== undefined) {
      running.again = true;
      return;
    }
    const entry = { again: false };
    this.budgetSends.set(key, entry);
    try {
      const askedAgain = (): boolean => entry.again;
      do {
        entry.again = false;
        const budget = await this.budgetEvent(organizationId, userId);
        if (budget !== undefined) this.io?.to(userRoom(userId)).emit('budget', budget);
      } while (askedAgain());
    } finally {
      this.budgetSends.delete(key);
    }
  }
}

function unauthenticated(message: string): Error & { data: { code: 'unauthenticated'; message: string } } {
  return Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' as const, message } });
}

function serviceEvent(state: ServiceState): ServiceStatusEvent {
  return { database: state.database, ...(state.workers === undefined ? {} : { workers: state.workers }), since: state.since };
}
