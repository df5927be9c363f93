// `npm run bench:realtime` (second part): 50 editors in one workspace document, 5 updates per
// second each, through real server processes (`src/main.ts`): propagation latency (sender's
// change to every other editor's document) and server memory per connection; then the same with
// the editors split over two nodes sharing Postgres and Redis.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchDatabase } from '../../../tools/bench/postgres.js';
import { freePort, runServer, type ServerProcess } from '../test/server-process.js';
import { ApiClient } from '../test/client.js';
import { connect, redisUnavailable, redisUrl as REDIS_URL, sleep, ticketFor, type CollabPeer } from '../test/collab/collab-client.js';
import type { OrganizationView, ProjectView, WorkspaceView } from '@atelier/contracts';
import { WebSocket } from 'ws';

const EDITORS = Number(process.env.BENCH_EDITORS ?? 50);
const RATE_PER_SECOND = 5;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

async function rssBytes(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/**
 * What a server process keeps after a full garbage collection (JS heap used + external memory,
 * i.e. Buffers and ArrayBuffers), asked through its inspector (the nodes run with --inspect on a
 * free port): RSS alone also counts heap the GC has freed but not given back to the OS.
 */
async function retainedBytes(server: ServerProcess): Promise<number> {
  const address = /Debugger listening on (ws:\/\/[^\s]+)/.exec(server.output())?.[1];
  if (address === undefined) return Number.NaN;
  const socket = new WebSocket(address);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: object = {}): Promise<{ result?: { result?: { value?: unknown } } }> =>
    new Promise((resolve) => {
      id += 1;
      const mine = id;
      const onMessage = (data: Buffer): void => {
        const message = JSON.parse(data.toString()) as { id?: number };
        if (message.id !== mine) return;
        socket.off('message', onMessage);
        resolve(message as { result?: { result?: { value?: unknown } } });
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const answer = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const usage = JSON.parse(String(answer.result?.result?.value)) as { heapUsed: number; external: number };
    return usage.heapUsed + usage.external;
  } finally {
    socket.close();
  }
}

interface Result {
  label: string;
  deliveries: number;
  p50: number;
  p99: number;
  max: number;
  memoryPerConnection: number;
  retainedPerConnection: number;
}

const database = await benchDatabase('collab');
const dataDirectory = await mkdtemp(path.join(os.tmpdir(), 'atelier-bench-collab-'));
const nodes: ServerProcess[] = [];

async function startNode(environment: Record<string, string>): Promise<{ node: ServerProcess; url: string }> {
  const node = runServer({
    DATABASE_URL: database.url,
    PORT: String(await freePort()),
    RUN_WORKERS: 'false',
    DATA_DIR: dataDirectory,
    LOG_LEVEL: 'error',
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim(),
    ...environment,
  });
  nodes.push(node);
  return { node, url: await node.ready() };
}

async function stopNodes(): Promise<void> {
  for (const node of nodes.splice(0)) await node.stop();
}

async function setUp(url: string, label: string): Promise<{ client: ApiClient; workspace: WorkspaceView }> {
  const client = new ApiClient(url);
  await client.signUp(`bench-${label}-${String(Date.now())}@example.com`, 'Bench');
  const organization = (await client.post<OrganizationView>('/orgs', { name: `Bench ${label}` })).body;
  const project = (await client.post<ProjectView>(`/orgs/${organization.id}/projects`, { name: 'Bench' })).body;
  const workspace = (await client.post<WorkspaceView>(`/orgs/${organization.id}/workspaces`, { name: 'Bench', projectId: project.id })).body;
  return { client, workspace };
}

async function run(label: string, urls: string[], servers: ServerProcess[], client: ApiClient, workspace: WorkspaceView): Promise<Result> {
  const peers: CollabPeer[] = [];
  const open = async (index: number): Promise<void> => {
    const ticket = (await ticketFor(client, workspace.organizationId, workspace.id)).ticket;
    peers.push(connect(urls[index % urls.length] ?? '', workspace.documentName, ticket));
  };
  // One editor per node first, so the document is loaded and the code paths warm before the baseline.
  for (let index = 0; index < urls.length; index += 1) await open(index);
  await Promise.all(peers.map((peer) => peer.synced(30_000)));
  await sleep(1_000);
  // Both readings after a full GC (retainedBytes runs one), so RSS is compared like with like.
  const retainedBefore = await Promise.all(servers.map((server) => retainedBytes(server)));
  const before = await Promise.all(servers.map((server) => rssBytes(server.child.pid)));
  for (let index = urls.length; index < EDITORS; index += 1) await open(index);
  await Promise.all(peers.map((peer) => peer.synced(30_000)));
  await sleep(1_000);
  const retainedAfter = await Promise.all(servers.map((server) => retainedBytes(server)));
  const after = await Promise.all(servers.map((server) => rssBytes(server.child.pid)));
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const memoryPerConnection = (sum(after) - sum(before)) / (EDITORS - urls.length);
  const retainedPerConnection = (sum(retainedAfter) - sum(retainedBefore)) / (EDITORS - urls.length);

  // Each editor writes its own key of a shared map: the value carries the send time.
  const latencies: number[] = [];
  let measuring = true;
  peers.forEach((peer, index) => {
    const shared = peer.doc.getMap<{ t: number }>('bench');
    shared.observe((event) => {
      if (!measuring || event.transaction.local) return;
      const now = performance.now();
      for (const key of event.keysChanged as Set<string>) {
        if (key === String(index)) continue;
        const value = shared.get(key);
        if (value !== undefined) latencies.push(now - value.t);
      }
    });
  });
  const timers = peers.map((peer, index) =>
    setTimeout(() => {
      const interval = setInterval(() => {
        peer.doc.getMap<{ t: number }>('bench').set(String(index), { t: performance.now() });
      }, 1_000 / RATE_PER_SECOND);
      timers.push(interval);
    }, Math.random() * (1_000 / RATE_PER_SECOND)),
  );
  await sleep(SECONDS * 1_000);
  for (const timer of timers) clearInterval(timer);
  await sleep(500);
  measuring = false;
  for (const peer of peers) peer.destroy();
  latencies.sort((a, b) => a - b);
  return { label, deliveries: latencies.length, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN, memoryPerConnection, retainedPerConnection };
}

const results: Result[] = [];
try {
  const single = await startNode({});
  const one = await setUp(single.url, 'one');
  results.push(await run('1 node', [single.url], [single.node], one.client, one.workspace));
  await stopNodes();

  if ((await redisUnavailable()) === undefined) {
    const [a, b] = await Promise.all([startNode({ REDIS_URL }), startNode({ REDIS_URL })]);
    const two = await setUp(a.url, 'two');
    results.push(await run('2 nodes (Redis), editors split', [a.url, b.url], [a.node, b.node], two.client, two.workspace));
  } else {
    process.stdout.write(`Redis at ${REDIS_URL} is unreachable: the two-node run is skipped.\n`);
  }
} finally {
  await stopNodes();
  await rm(dataDirectory, { recursive: true, force: true });
  await database.close();
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(`\nCollaborative editing: ${String(EDITORS)} editors in one document, ${String(RATE_PER_SECOND)} updates/s each, ${String(SECONDS)} s\n`);
process.stdout.write(`Machine: ${cpu} × ${String(os.cpus().length)}, ${String(Math.round(os.totalmem() / 2 ** 30))} GiB, Node ${process.version}, ${new Date().toISOString()}\n`);
process.stdout.write('(clients run in the bench process; latency = sender change → each other editor\'s document)\n\n');
process.stdout.write('| setup | deliveries | p50 ms | p99 ms | max ms | server RSS growth / connection | retained after GC / connection |\n|---|---|---|---|---|---|---|\n');
for (const result of results) {
  process.stdout.write(
    `| ${result.label} | ${String(result.deliveries)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${result.max.toFixed(1)} | ${(result.memoryPerConnection / 1024).toFixed(0)} KiB | ${(result.retainedPerConnection / 1024).toFixed(0)} KiB |\n`,
  );
}
const worst = Math.max(...results.map((result) => result.p99));
process.stdout.write(`\nGoal p99 < 50 ms: ${worst < 50 ? 'met' : 'NOT met'} (worst p99 ${worst.toFixed(1)} ms)\n`);
process.exit(0);
