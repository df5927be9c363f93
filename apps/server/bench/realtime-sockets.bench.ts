// `npm run bench:realtime` (first part): 1,000 sockets subscribed to one org; the latency from a
// pool balance change (a ledger grant announced on the app's EventBus, as a capture is) to
// EVERY socket receiving the `balance` event. First on one node (no Redis), then across two nodes
// (sockets on node B, the change on node A) through the Redis adapter. The clients run in a
// child process of their own (this file with --clients), so they do not share the servers' event
// loop; times on both sides are `performance.timeOrigin + performance.now()` (the same clock).
import { ledgerOf } from '../test/ledger-of.js';
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, RealtimeSnapshot, ServerToClientEvents } from '@atelier/contracts';
import { benchDatabase } from '../../../tools/bench/postgres.js';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/app.js';
import { EventBus } from '../src/events/event-bus.js';
import { balanceChanged } from '../src/repositories/ledger.repository.js';

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 100);
const CONNECT_BATCH = 50;
const REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}
const ms = (value: number): string => value.toFixed(1);

async function redisReachable(): Promise<boolean> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

const now = (): number => performance.timeOrigin + performance.now();

type ToClients =
  | { type: 'connect'; url: string; cookie: string; orgId: string; count: number }
  | { type: 'expect'; version: string }
  | { type: 'disconnect' };
type FromClients =
  | { type: 'connected' }
  | { type: 'ready' }
  | { type: 'received'; version: string; times: number[]; lost: number }
  | { type: 'disconnected' };

/** The child process: holds the sockets, reports when each got the expected balance version. */
function runClients(): void {
  const send = (message: FromClients): void => {
    process.send?.(message);
  };
  let sockets: ClientSocket[] = [];
  let expected = '';
  let times: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    clearTimeout(timer);
    send({ type: 'received', version: expected, times, lost: sockets.length - times.length });
    expected = '';
  };
  process.on('message', (message: ToClients) => {
    void (async () => {
      if (message.type === 'connect') {
        sockets = await connectSockets(message.url, message.cookie, message.orgId, message.count);
        for (const socket of sockets) {
          socket.on('balance', (event) => {
            if (event.version !== expected || expected === '') return;
            times.push(now());
            if (times.length === sockets.length) finish();
          });
        }
        send({ type: 'connected' });
      } else if (message.type === 'expect') {
        expected = message.version;
        times = [];
        timer = setTimeout(finish, 10_000);
        send({ type: 'ready' });
      } else {
        for (const socket of sockets) socket.disconnect();
        sockets = [];
        send({ type: 'disconnected' });
      }
    })();
  });
}

/** Connects and subscribes `count` sockets, `CONNECT_BATCH` at a time. */
async function connectSockets(url: string, cookie: string, orgId: string, count: number): Promise<ClientSocket[]> {
  const sockets: ClientSocket[] = [];
  for (let start = 0; start < count; start += CONNECT_BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(CONNECT_BATCH, count - start) }, async () => {
        const socket: ClientSocket = io(url, { path: '/socket.io', transports: ['websocket'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', () => {
            resolve();
          });
          socket.once('connect_error', reject);
        });
        const ack = (await socket.timeout(30_000).emitWithAck('subscribe', { organizationId: orgId })) as Ack<{ snapshot: RealtimeSnapshot }>;
        if (!ack.ok) throw new Error(`subscribe refused: ${ack.error.message}`);
        return socket;
      }),
    );
    sockets.push(...batch);
  }
  return sockets;
}

interface Figures {
  perSocket: number[];
  all: number[];
  allIncludingLedger: number[];
  lost: number;
}

interface Clients {
  child: ChildProcess;
  send(message: ToClients): void;
  /** The next message of this type (ask before sending what it answers). */
  next<T extends FromClients['type']>(type: T): Promise<Extract<FromClients, { type: T }>>;
}

/** The parent's handle on the client process. */
function clientsProcess(): Clients {
  const child = fork(fileURLToPath(import.meta.url), ['--clients'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return {
    child,
    send: (message) => {
      child.send(message);
    },
    next: <T extends FromClients['type']>(type: T) =>
      new Promise<Extract<FromClients, { type: T }>>((resolve, reject) => {
        const onMessage = (reply: FromClients): void => {
          if (reply.type !== type) return;
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(reply as Extract<FromClients, { type: T }>);
        };
        const onExit = (code: number | null): void => {
          reject(new Error(`the client process exited (${String(code)})`));
        };
        child.on('message', onMessage);
        child.once('exit', onExit);
      }),
  };
}

/** Rounds of: a grant of 1 credit on `trigger`, announced; wait until every socket has its balance event. */
async function measure(trigger: NestExpressApplication, clients: Clients, orgId: string): Promise<Figures> {
  const ledger = ledgerOf(trigger);
  const events = trigger.get(EventBus);
  const figures: Figures = { perSocket: [], all: [], allIncludingLedger: [], lost: 0 };
  for (let round = -5; round < ROUNDS; round += 1) {
    const started = now();
    const granted = await ledger.grant({ operationId: crypto.randomUUID(), orgId, source: 'promotion', amountCredits: 1n, actorId: orgId, reason: 'bench' });
    if (!granted.ok) throw new Error(`grant refused: ${granted.code}`);
    const version = String(granted.balance.balanceVersion);
    const committed = now();
    const ready = clients.next('ready');
    const received = clients.next('received');
    clients.send({ type: 'expect', version });
    await ready;
    const emittedAt = now();
    events.publish('balance.changed', balanceChanged(granted.balance));
    const { times, lost } = await received;
    if (round < 0) continue; // warm-up
    const last = Math.max(...times);
    figures.perSocket.push(...times.map((time) => time - emittedAt));
    figures.all.push(last - emittedAt);
    figures.allIncludingLedger.push(last - started - (emittedAt - committed));
    figures.lost += lost;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return figures;
}

const apps: NestExpressApplication[] = [];

async function startNode(databaseUrl: string, redis: boolean): Promise<{ app: NestExpressApplication; url: string }> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    RUN_WORKERS: 'false',
    DATA_DIR: `${os.tmpdir()}/atelier-bench-realtime-${String(process.pid)}`,
    ...(redis ? { REDIS_URL } : {}),
  });
  const app = await createApp({ ...config, databaseUrl });
  await app.listen(0, '127.0.0.1');
  apps.push(app);
  const address = app.getHttpServer().address();
  return { app, url: `http://127.0.0.1:${String(typeof address === 'object' && address !== null ? address.port : 0)}` };
}

async function signUpAndCreateOrg(url: string): Promise<{ cookie: string; orgId: string }> {
  const signUp = await fetch(`${url}/api/auth/sign-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${String(Date.now())}@example.com`, name: 'Bench', password: 'benchmark password' }),
  });
  const cookie = (signUp.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await signUp.json()) as { csrfToken: string };
  const created = await fetch(`${url}/api/orgs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ name: 'Realtime bench' }),
  });
  const { id } = (await created.json()) as { id: string };
  return { cookie, orgId: id };
}

function report(label: string, figures: Figures): string {
  const perSocket = [...figures.perSocket].sort((a, b) => a - b);
  const all = [...figures.all].sort((a, b) => a - b);
  const withLedger = [...figures.allIncludingLedger].sort((a, b) => a - b);
  const line = `| ${label} | ${String(SOCKETS)} | ${String(all.length)} | ${ms(percentile(perSocket, 0.5))} / ${ms(percentile(perSocket, 0.99))} | ${ms(percentile(all, 0.5))} / **${ms(percentile(all, 0.99))}** | ${ms(percentile(withLedger, 0.5))} / ${ms(percentile(withLedger, 0.99))} | ${String(figures.lost)} |`;
  process.stdout.write(`${line}\n`);
  return line;
}

/** Sockets that connect and leave before the timed ones, on each setup. */
const WARM_UP_SOCKETS = 100;

async function main(): Promise<void> {
  const cpus = os.cpus();
  process.stdout.write(
    `realtime sockets bench, ${new Date().toISOString()}, ${String(cpus.length)} × ${cpus[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg().map((value) => value.toFixed(2)).join(' ')}\n` +
      `${String(SOCKETS)} sockets (websocket transport, in a client process of their own), ${String(ROUNDS)} rounds after 5 of warm-up; ${String(WARM_UP_SOCKETS)} sockets connect and leave before the timed subscribe\n` +
      `| setup | sockets | rounds | per delivery p50 / p99 ms | last socket p50 / p99 ms | last socket incl. ledger write p50 / p99 ms | lost |\n|---|---|---|---|---|---|---|\n`,
  );
  const database = await benchDatabase('realtime');
  const clients = clientsProcess();
  try {
    const run = async (label: string, trigger: NestExpressApplication, socketsUrl: string, orgUrl: string): Promise<void> => {
      const { cookie, orgId } = await signUpAndCreateOrg(orgUrl);
      // Warm-up: 100 sockets connect, subscribe and leave first, so the timed 1,000 meet compiled
      // code paths on every node (as a server that has been up a while does), not a cold start.
      const warmed = clients.next('connected');
      clients.send({ type: 'connect', url: socketsUrl, cookie, orgId, count: WARM_UP_SOCKETS });
      await warmed;
      const cooled = clients.next('disconnected');
      clients.send({ type: 'disconnect' });
      await cooled;
      const connectStarted = performance.now();
      const connected = clients.next('connected');
      clients.send({ type: 'connect', url: socketsUrl, cookie, orgId, count: SOCKETS });
      await connected;
      process.stderr.write(`${label}: ${String(SOCKETS)} sockets connected and subscribed in ${ms(performance.now() - connectStarted)} ms\n`);
      report(label, await measure(trigger, clients, orgId));
      const disconnected = clients.next('disconnected');
      clients.send({ type: 'disconnect' });
      await disconnected;
    };
    const single = await startNode(database.url, false);
    await run('one node, in-process adapter', single.app, single.url, single.url);
    await single.app.close();
    apps.splice(apps.indexOf(single.app), 1);
    if (await redisReachable()) {
      const nodeA = await startNode(database.url, true);
      const nodeB = await startNode(database.url, true);
      await run('two nodes, Redis adapter (change on A, sockets on B)', nodeA.app, nodeB.url, nodeA.url);
    } else {
      process.stdout.write(`two nodes: skipped, Redis at ${REDIS_URL} is unreachable\n`);
    }
  } finally {
    clients.child.kill();
    for (const app of apps) await app.close();
    await database.close();
  }
}

if (process.argv.includes('--clients')) {
  runClients();
} else {
  await main();
}
