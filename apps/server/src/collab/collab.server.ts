import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { WebSocketServer, type WebSocket } from 'ws';
import { COLLAB_PATH, collabRejections, collabLimits, collabRetryableCloses, workspaceIdOfDocument } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { CollabDocumentRepository } from './collab-document.repository.js';
import { LiveDocuments } from './live-documents.js';
import { can, type Role } from '@atelier/contracts';
import type { MembershipChanged } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { RedisRepository } from '../repositories/redis.repository.js';
import { MembershipsRepository } from '../orgs/memberships.repository.js';
import { Database, Hocuspocus, RedisExtension, Y, type AuthenticatePayload, type Extension, type HocuspocusInstance, type YDoc } from './hocuspocus-runtime.js';
import { WorkspacesService } from './workspaces.service.js';
import type { CollabContext } from './collab-context.js';
import { RevocationEvents, type Revocation } from '../auth/revocations.js';
import { originAllowed } from '../common/origin.js';

/** Close code for a connection whose member left the org (or lost it). */
export const MEMBERSHIP_REVOKED = { code: 4403, reason: 'membership-revoked' } as const;
/**
 * Close code for connections of a person whose credentials were revoked (sign-out, a revoked API
 * key, a password reset). A ticket does not record which credential asked for it, so every
 * connection of the person closes; a provider whose session still works reconnects with a fresh
 * ticket at once, one whose session ended cannot get one.
 */
export const CREDENTIALS_REVOKED = { code: 4401, reason: 'credentials-revoked' } as const;
/** How often open connections' memberships are re-read (changes made on other nodes). */
export const MEMBERSHIP_RECHECK_MS = 5_000;

/** How long a stopping node waits for its documents to unload (each is already stored by then). */
const UNLOAD_AT_SHUTDOWN_MS = 3_000;

/** An error Hocuspocus turns into closing the document's connection with this code and reason. */
export class CollabRejection extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Stores are debounced this long after the last change, and made at least this often while editing. */
export const STORE_DEBOUNCE_MS = 500;
export const STORE_MAX_DEBOUNCE_MS = 5_000;
/** Frames above this are cut by `ws` itself (1009); between the message limit and this, Hocuspocus closes with 4413. */
const WEBSOCKET_MAX_PAYLOAD = collabLimits.maxMessageBytes * 2;

/**
 * Hocuspocus on the app's own HTTP server at `/collab`: ticket authentication per document,
 * read-only viewers, Postgres persistence, size limits and, with REDIS_URL, Redis fan-out so
 * several nodes keep a document in step.
 */
@Injectable()
export class CollabServer implements OnModuleInit, OnModuleDestroy {
  readonly hocuspocus: HocuspocusInstance;
  private readonly sockets = new WebSocketServer({ noServer: true, maxPayload: WEBSOCKET_MAX_PAYLOAD });
  private readonly logger = new Logger('CollabServer');
  /** Upper bound of each open document's encoded size; recomputed exactly when it nears the limit. */
  private readonly approximateSizes = new Map<string, number>();
  /** WebSockets waiting for a document to load, by document name (closed to retry when the load fails). */
  private readonly loading = new Map<string, Set<WebSocket>>();
  /** Set on SIGTERM: collab upgrades are refused (503) so clients reconnect to another node. */
  private stopping = false;
  /** Open connections by `${organizationId}:${userId}`. */
  private readonly byMember = new Map<string, Set<CollabContext>>();
  private recheckTimer: NodeJS.Timeout | undefined;
  /** Browser pages from these origins (and the server's own) may connect. */
  private readonly allowedOrigins: ReadonlySet<string>;
  private stopMembershipEvents: (() => void) | undefined;
  private readonly onMembershipChange = (change: MembershipChanged): void => {
    this.applyMembership(change.organizationId, change.userId, change.role);
  };
  private readonly onRevoked = (revocation: Revocation): void => {
    this.closeConnectionsOf(revocation.userId);
  };
  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    this.upgrade(request, socket, head);
  };

  constructor(
    @Inject(WorkspacesService) private readonly workspaces: WorkspacesService,
    @Inject(CollabDocumentRepository) private readonly documents: CollabDocumentRepository,
    @Inject(LiveDocuments) private readonly live: LiveDocuments,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(MembershipsRepository) private readonly memberships: MembershipsRepository,
    @Inject(RedisRepository) private readonly redis: RedisRepository,
    @Inject(RevocationEvents) private readonly revocations: RevocationEvents,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.allowedOrigins = config.allowedOrigins;
    const extensions: Extension[] = [
      this.accessAndTracking(),
      new Database({
        // A failed fetch THROWS: Hocuspocus drops the half-made document, so an empty document is
        // never served nor stored over the real one. The sockets waiting for it are closed first
        // with a retryable code: their providers reconnect by themselves and sync what they hold.
        fetch: async ({ documentName }) =>
          this.documents.load(requireWorkspaceId(documentName)).catch((error: unknown) => {
            this.loadFailed(documentName, error);
            throw error;
          }),
        store: async ({ documentName, state }) => {
          await this.documents.store(requireWorkspaceId(documentName), state);
        },
      }),
    ];
    const { redisUrl } = config;
    if (redisUrl !== undefined) {
      extensions.push(
        new RedisExtension({
          createClient: () => {
            const client = this.redis.newConnection({ maxRetriesPerRequest: null }, (error) => {
              this.logger.warn(`collab Redis: ${error.message}`);
            });
            if (client === undefined) throw new Error('REDIS_URL is set but Redis is not configured');
            return client;
          },
          prefix: 'atelier:collab',
        }),
      );
    }
    this.hocuspocus = new Hocuspocus({
      name: 'atelier-collab',
      quiet: true,
      extensions,
      debounce: STORE_DEBOUNCE_MS,
      maxDebounce: STORE_MAX_DEBOUNCE_MS,
      unloadImmediately: true,
    });
  }


  /** Runs first: who may open which document and write; tracks open connections, limits and live documents. */
  private accessAndTracking(): Extension {
    return {
      // Runs first: who may open which document, and whether they may write.
      priority: 1000,
      onAuthenticate: (payload: AuthenticatePayload) => this.authenticate(payload),
      connected: ({ context, connection }) => {
        const collab = context;
        if (collab.socket !== undefined) this.loading.get(connection.document.name)?.delete(collab.socket);
        if (collab.grant === undefined) return Promise.resolve();
        collab.connection = connection;
        const key = memberKey(collab.grant.organizationId, collab.grant.userId);
        const open = this.byMember.get(key) ?? new Set<CollabContext>();
        open.add(collab);
        this.byMember.set(key, open);
        return Promise.resolve();
      },
      onDisconnect: ({ context }) => {
        const collab = context;
        if (collab.grant === undefined) return Promise.resolve();
        const key = memberKey(collab.grant.organizationId, collab.grant.userId);
        const open = this.byMember.get(key);
        open?.delete(collab);
        if (open?.size === 0) this.byMember.delete(key);
        return Promise.resolve();
      },
      beforeHandleMessage: (payload) => {
        this.checkLimits(payload.documentName, payload.document, payload.update);
        return Promise.resolve();
      },
      afterLoadDocument: ({ documentName, document }) => {
        const workspaceId = workspaceIdOfDocument(documentName);
        if (workspaceId !== undefined) this.live.set(workspaceId, document);
        this.approximateSizes.set(documentName, Y.encodeStateAsUpdate(document).byteLength);
        return Promise.resolve();
      },
      onChange: ({ documentName, update }) => {
        this.approximateSizes.set(documentName, (this.approximateSizes.get(documentName) ?? 0) + update.byteLength);
        return Promise.resolve();
      },
      afterUnloadDocument: ({ documentName }) => {
        const workspaceId = workspaceIdOfDocument(documentName);
        if (workspaceId !== undefined) this.live.delete(workspaceId);
        this.approximateSizes.delete(documentName);
        return Promise.resolve();
      },
    };
  }

  onModuleInit(): void {
    this.stopMembershipEvents = this.events.subscribe('membership.changed', this.onMembershipChange);
    this.revocations.emitter.on('revoked', this.onRevoked);
    this.revocations.emitter.on('revokedElsewhere', this.onRevoked);
    this.recheckTimer = setInterval(() => {
      this.recheckMemberships().catch((error: unknown) => {
        this.logger.warn(`membership re-check failed: ${String(error)}`);
      });
    }, MEMBERSHIP_RECHECK_MS);
    this.recheckTimer.unref();
  }

  /**
   * Re-reads the role of every member with an open connection: a removal or role change made on
   * another node reaches this node's connections within MEMBERSHIP_RECHECK_MS.
   */
  async recheckMemberships(): Promise<void> {
    const keys = [...this.byMember.keys()];
    if (keys.length === 0) return;
    const members = keys.map((key) => ({ organizationId: key.split(':')[0] ?? '', userId: key.split(':')[1] ?? '' }));
    const found = await this.memberships.rolesOf(members);
    const roles = new Map(found.map((row) => [memberKey(row.organizationId, row.userId), row.role]));
    for (const key of keys) {
      const [organizationId = '', userId = ''] = key.split(':');
      this.applyMembership(organizationId, userId, roles.get(key) ?? null);
    }
  }

  /** Every open connection of this person, in any org, on this node. */
  private closeConnectionsOf(userId: string): void {
    for (const [key, open] of this.byMember) {
      if (key.split(':')[1] !== userId) continue;
      for (const context of open) context.connection?.close(CREDENTIALS_REVOKED);
      this.byMember.delete(key);
    }
  }

  /** A removed member's connections close; a viewer's become read-only; a writer's writable again. */
  private applyMembership(organizationId: string, userId: string, role: Role | null): void {
    const open = this.byMember.get(memberKey(organizationId, userId));
    if (open === undefined) return;
    for (const context of open) {
      if (role === null) {
        context.connection?.close(MEMBERSHIP_REVOKED);
        open.delete(context);
      } else if (context.connection !== undefined) {
        context.connection.readOnly = !can(role, 'generate');
      }
    }
    if (open.size === 0) this.byMember.delete(memberKey(organizationId, userId));
  }

  /** Handles WebSocket upgrades for `/collab` on `server`; other paths are left to other listeners. */
  attach(server: HttpServer): void {
    server.on('upgrade', this.onUpgrade);
  }

  get connectionsCount(): number {
    return this.hocuspocus.getConnectionsCount();
  }

  private upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = (request.url ?? '').split('?')[0] ?? '';
    if (pathname !== COLLAB_PATH && !pathname.startsWith(`${COLLAB_PATH}/`)) return;
    if (this.stopping) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!originAllowed(request.headers.origin, request.headers.host, this.allowedOrigins)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.sockets.handleUpgrade(request, socket, head, (websocket: WebSocket) => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
      }
      const fetchRequest = new Request(`http://${request.headers.host ?? 'localhost'}${request.url ?? COLLAB_PATH}`, { headers });
      const connection = this.hocuspocus.handleConnection(websocket, fetchRequest, { socket: websocket });
      websocket.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        connection.handleMessage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      });
      websocket.on('close', (code: number, reason: Buffer) => {
        connection.handleClose({ code, reason: reason.toString() });
      });
      websocket.on('error', () => undefined);
    });
  }

  /** The document could not be loaded: every socket waiting for it closes with a code its provider retries. */
  private loadFailed(documentName: string, error: unknown): void {
    const waiting = this.loading.get(documentName);
    this.loading.delete(documentName);
    this.logger.warn(`could not load ${documentName} (${error instanceof Error ? error.message : 'unknown error'}); ${String(waiting?.size ?? 0)} client(s) told to retry`);
    for (const socket of waiting ?? []) socket.close(collabRetryableCloses.documentUnavailable.code, collabRetryableCloses.documentUnavailable.reason);
  }

  private async authenticate({ token, documentName, connectionConfig, context }: AuthenticatePayload): Promise<CollabContext> {
    const workspaceId = workspaceIdOfDocument(documentName);
    const grant = workspaceId === undefined ? null : await this.workspaces.redeemTicket(token, workspaceId);
    if (grant === null) {
      // Hocuspocus answers with permission-denied and the provider reports authentication failed.
      throw new Error('The collab ticket is invalid, expired, or for another document.');
    }
    connectionConfig.readOnly = !grant.canWrite;
    if (context.socket !== undefined) {
      const waiting = this.loading.get(documentName) ?? new Set<WebSocket>();
      waiting.add(context.socket);
      this.loading.set(documentName, waiting);
      context.socket.once('close', () => this.loading.get(documentName)?.delete(context.socket as WebSocket));
    }
    return { grant };
  }

  /** Message and document size limits; throwing closes the document's connection with the code. */
  private checkLimits(documentName: string, document: YDoc, message: Uint8Array): void {
    if (message.byteLength > collabLimits.maxMessageBytes) {
      throw new CollabRejection(collabRejections.messageTooLarge.code, `${collabRejections.messageTooLarge.reason}: at most ${String(collabLimits.maxMessageBytes)} bytes`);
    }
    if (!addsToDocument(message)) return;
    const approximate = this.approximateSizes.get(documentName) ?? 0;
    if (approximate + message.byteLength <= collabLimits.maxDocumentBytes) return;
    const exact = Y.encodeStateAsUpdate(document).byteLength;
    this.approximateSizes.set(documentName, exact);
    if (exact + message.byteLength > collabLimits.maxDocumentBytes) {
      throw new CollabRejection(collabRejections.documentTooLarge.code, `${collabRejections.documentTooLarge.reason}: at most ${String(collabLimits.maxDocumentBytes)} bytes`);
    }
  }

  /**
   * On SIGTERM, first of all (Nest's destroy hooks run before any shutdown hook: socket.io's close,
   * in a later hook, closes the HTTP server and waits for every open connection, these included):
   * every collab connection is closed with a code providers retry, so they move to another node,
   * and new ones are refused, so no change is accepted or acknowledged from then on; then every
   * document this node held is stored as it was at that moment, which includes every change it
   * acknowledged. Stores run in parallel, before the database pool closes.
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    this.stopMembershipEvents?.();
    this.revocations.emitter.off('revoked', this.onRevoked);
    this.revocations.emitter.off('revokedElsewhere', this.onRevoked);
    clearInterval(this.recheckTimer);
    const held = [...this.hocuspocus.documents].map(([name, document]) => ({ name, document }));
    for (const client of this.sockets.clients) client.close(collabRetryableCloses.serverRestart.code, collabRetryableCloses.serverRestart.reason);
    // Sends after close() are dropped: nothing can be acknowledged past this line, so these states hold every acknowledged change.
    const states = held.map(({ name, document }) => ({ name, state: Y.encodeStateAsUpdate(document) }));
    const started = Date.now();
    await Promise.all(
      states.map(async ({ name, state }) => {
        const workspaceId = workspaceIdOfDocument(name);
        if (workspaceId === undefined) return;
        await this.documents.store(workspaceId, state).catch((error: unknown) => {
          this.logger.error(`could not store ${name} at shutdown: ${String(error)}`);
        });
      }),
    );
    this.logger.log(`stored ${String(states.length)} document(s) at shutdown in ${String(Date.now() - started)} ms`);
    // The upgrade listener stays: a provider reconnecting until the HTTP server closes is told 503
    // (stopping) at once. Unanswered, its request would hold the server's close open.
    for (const client of this.sockets.clients) client.terminate();
    await new Promise<void>((resolve) => {
      this.sockets.close(() => {
        resolve();
      });
    });
    // Their connections closed, the documents unload (Hocuspocus stores each once more, then the
    // Redis extension unsubscribes it): wait for that before the extensions let go of Redis, or the
    // unsubscribes fail on a closed connection after this node has stopped.
    const unloading = Date.now();
    const deadline = unloading + UNLOAD_AT_SHUTDOWN_MS;
    while (this.hocuspocus.getDocumentsCount() > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    if (this.hocuspocus.getDocumentsCount() > 0) this.logger.warn(`${String(this.hocuspocus.getDocumentsCount())} document(s) still loaded at shutdown`);
    else this.logger.log(`documents unloaded in ${String(Date.now() - unloading)} ms`);
    await this.hocuspocus.hooks('onDestroy', { instance: this.hocuspocus }).catch(() => undefined);
  }
}

function memberKey(organizationId: string, userId: string): string {
  return `${organizationId}:${userId}`;
}

function requireWorkspaceId(documentName: string): string {
  const workspaceId = workspaceIdOfDocument(documentName);
  if (workspaceId === undefined) throw new Error(`not a workspace document: ${documentName}`);
  return workspaceId;
}

/** Whether a Hocuspocus message carries document content (sync step 2 or update), by its header. */
function addsToDocument(message: Uint8Array): boolean {
  let offset = 0;
  const readVarUint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = message[offset];
      if (byte === undefined) return -1;
      offset += 1;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
      if (shift > 49) return -1;
    }
  };
  const nameLength = readVarUint();
  if (nameLength < 0) return true;
  offset += nameLength;
  const type = readVarUint();
  if (type !== 0) return false; // not a Sync message (awareness, auth, stateless, …)
  const syncType = readVarUint();
  return syncType !== 0; // 0 is SyncStep1 (a state vector); 1 and 2 carry content
}
