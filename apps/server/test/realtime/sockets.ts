import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, PresenceBatch, PresenceChange, RealtimeSnapshot, ServerToClientEvents } from '@atelier/contracts';
import type { ApiClient } from '../client.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type EventName = keyof ServerToClientEvents;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

/** The session cookie an ApiClient holds (it keeps it private, as a browser would). */
export function cookieOf(client: ApiClient): string {
  return (client as unknown as { cookie: string | undefined }).cookie ?? '';
}

export interface Connection {
  socket: ClientSocket;
  /** Every event received so far, in order. */
  received: { event: EventName; payload: unknown }[];
  /** Resolves with the first event (already received or coming) that matches. */
  waitFor<E extends EventName>(event: E, matches?: (payload: Payload<E>) => boolean, timeoutMs?: number): Promise<Payload<E>>;
  subscribe(organizationId: string, workspaceId?: string | null): Promise<Ack<{ snapshot: RealtimeSnapshot }>>;
  close(): void;
}

const EVENTS: EventName[] = ['balance', 'budget', 'job', 'presence:batch', 'alert', 'free-usage', 'service', 'board', 'comment'];

/** Waits for a presence batch holding a change of `kind` that matches; resolves with that change and its org. */
export async function presenceChange(
  connection: Connection,
  kind: PresenceChange['kind'],
  matches: (change: PresenceChange) => boolean,
  timeoutMs?: number,
): Promise<PresenceChange & { organizationId: string }> {
  const found = (batch: PresenceBatch): PresenceChange | undefined => batch.changes.find((change) => change.kind === kind && matches(change));
  const batch = await connection.waitFor('presence:batch', (candidate) => found(candidate) !== undefined, timeoutMs);
  const change = found(batch);
  if (change === undefined) throw new Error('unreachable: the batch matched');
  return { ...change, organizationId: batch.organizationId };
}

/** Connects a socket.io client (websocket only) and resolves once connected; rejects on connect_error. */
export function connect(url: string, options: { cookie?: string; token?: string; bearer?: string; origin?: string } = {}): Promise<Connection> {
  const extraHeaders: Record<string, string> = {};
  if (options.cookie !== undefined) extraHeaders.cookie = options.cookie;
  if (options.bearer !== undefined) extraHeaders.authorization = `Bearer ${options.bearer}`;
  if (options.origin !== undefined) extraHeaders.origin = options.origin;
  const socket: ClientSocket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    extraHeaders,
    auth: options.token === undefined ? {} : { token: options.token },
    reconnection: false,
    forceNew: true,
  });
  const received: Connection['received'] = [];
  const waiters = new Set<(event: EventName, payload: unknown) => boolean>();
  for (const event of EVENTS) {
    socket.on(event, (payload: unknown) => {
      received.push({ event, payload });
      for (const waiter of waiters) if (waiter(event, payload)) waiters.delete(waiter);
    });
  }
  const connection: Connection = {
    socket,
    received,
    waitFor: (event, matches = () => true, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        type P = Parameters<typeof matches>[0];
        const earlier = received.find((entry) => entry.event === event && matches(entry.payload as P));
        if (earlier !== undefined) {
          resolve(earlier.payload as P);
          return;
        }
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching ${event} event in ${String(timeoutMs)} ms; received: ${JSON.stringify(received.map((entry) => entry.event))}`));
        }, timeoutMs);
        const waiter = (name: EventName, payload: unknown): boolean => {
          if (name !== event || !matches(payload as P)) return false;
          clearTimeout(timer);
          resolve(payload as P);
          return true;
        };
        waiters.add(waiter);
      }),
    subscribe: (organizationId, workspaceId = null) => socket.timeout(10_000).emitWithAck('subscribe', { organizationId, workspaceId }),
    close: () => {
      socket.disconnect();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      resolve(connection);
    });
    socket.once('connect_error', (error) => {
      socket.disconnect();
      reject(error);
    });
  });
}

export { redisUnavailable, redisUrl } from '../redis.js';
