// `npm run bench:jobs`: submit latency, submit-to-start latency and throughput of generation jobs
// through the real server, queue and ledger, with the local provider at zero latency. The server
// runs as its own process (`src/main.ts`, as `npm start` runs it); this process is the HTTP clients,
// so the figures are the server's and not the bench's own request handling. BENCH_IN_PROCESS=1
// runs the server inside this process instead (how the bench measured before 2026-12-05).
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import pg from 'pg';
import { Ledger } from '@atelier/ledger';
import { benchDatabase } from '../../../tools/bench/postgres.js';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/app.js';
import { freePort, runServer } from '../test/server-process.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 800);
const CONCURRENT_SUBMITTERS = Number(process.env.BENCH_SUBMITTERS ?? 16);
const STORM_SUBMITTERS = 64;
/** The overdraft phase: the pool affords this many jobs (and its trial credits), and twice as many are sent at once. */
const AFFORDABLE_JOBS = 100;
const LEDGER_HOLDS = 4_000;
/** Submits before the first measured phase: the server's hot paths are compiled by then (after 100, a submit still cost ~40 % more server CPU). */
const WARM_UP_JOBS = 800;
const WORKER_CONCURRENCY = process.env.BENCH_WORKERS ?? '4';
const PACED_JOBS = Number(process.env.BENCH_PACED_JOBS ?? 200);
const IN_PROCESS = process.env.BENCH_IN_PROCESS === '1';

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

const database = await benchDatabase('jobs');
const pool = new pg.Pool({ connectionString: database.url, max: 4 });
/** Grants and the audit: the ledger library on the same database, beside the server's own. */
const ledger = new Ledger(pool, { batchHolds: false });

// One member submits every job as fast as it can: the per-member submit limit would measure itself.
// Workers are off for the submit phases and on for the drain (a second server), so each phase is measured on its own.
function serverEnvironment(runWorkers: boolean, port: number): Record<string, string> {
  return {
    LOG_LEVEL: 'silent',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '20',
    ORM_POOL_SIZE: '10',
    TRIAL_CREDITS: '300',
    RUN_WORKERS: String(runWorkers),
    PROVIDER_CONCURRENCY_LOCAL: WORKER_CONCURRENCY,
    RATE_LIMIT_SUBMIT_PER_MINUTE: '1000000',
    RATE_LIMIT_PREFLIGHT_PER_MINUTE: '1000000',
    DATA_DIR: `${os.tmpdir()}/atelier-bench-jobs-${String(process.pid)}`,
    // For profiling the server alone, e.g. BENCH_SERVER_NODE_OPTIONS='--cpu-prof --cpu-prof-dir=/tmp/profiles'.
    NODE_OPTIONS: process.env.BENCH_SERVER_NODE_OPTIONS ?? '',
  };
}

/** CPU seconds used so far by the processes with these pids (Linux: /proc), by the server process, and by every `postgres` process. */
async function cpuSeconds(serverPid: number | undefined): Promise<{ server: number; postgres: number; bench: number } | undefined> {
  const ticks = 100; // USER_HZ on Linux
  const read = async (pid: string): Promise<{ comm: string; seconds: number } | undefined> => {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      return { comm: stat.slice(stat.indexOf('(') + 1, close), seconds: (Number(fields[11]) + Number(fields[12])) / ticks };
    } catch {
      return undefined;
    }
  };
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  let postgres = 0;
  let server = 0;
  for (const pid of pids) {
    const stat = await read(pid);
    if (stat === undefined) continue;
    if (stat.comm === 'postgres') postgres += stat.seconds;
    if (Number(pid) === serverPid) server = stat.seconds;
  }
  const usage = process.cpuUsage();
  return { server, postgres, bench: (usage.user + usage.system) / 1e6 };
}

/** A running server: its API's base URL, its pid when it is a process of its own, and how to stop it. */
async function startServer(runWorkers: boolean): Promise<{ base: string; pid?: number; stop(): Promise<void> }> {
  const environment = serverEnvironment(runWorkers, await freePort());
  if (IN_PROCESS) {
    const app = await createApp({ ...loadConfig(environment), databaseUrl: database.url });
    await app.listen(Number(environment.PORT), '127.0.0.1');
    return { base: `http://127.0.0.1:${environment.PORT ?? ''}/api`, stop: () => app.close() };
  }
  const server = runServer(environment);
  const url = await server.ready();
  return { base: `${url}/api`, ...(server.child.pid === undefined ? {} : { pid: server.child.pid }), stop: () => server.stop() };
}

let server = await startServer(false);
let cookie = '';
let csrf = '';
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${server.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const setCookie = response.headers.getSetCookie()[0];
  if (setCookie !== undefined) cookie = setCookie.split(';')[0] ?? '';
  return { status: response.status, body: await response.json() };
}

/** What every submit of the bench asks for. */
const request = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 };

// The submit phases' clients: node:http on kept-alive connections. `fetch` cost ~1.1 ms of CPU per
// request here, on the same two cores as the server and Postgres; this costs ~0.35 ms.
// BENCH_CLIENT=fetch measures with fetch, as the bench did before 2026-12-05 (session 10).
const FETCH_CLIENT = process.env.BENCH_CLIENT === 'fetch';
const agent = new http.Agent({ keepAlive: true, maxSockets: STORM_SUBMITTERS });
function submit(organization: string, prompt: string): Promise<number> {
  if (FETCH_CLIENT) return call('POST', `/orgs/${organization}/jobs`, { request, prompt }).then((response) => response.status);
  const url = new URL(`${server.base}/orgs/${organization}/jobs`);
  return new Promise((resolve, reject) => {
    const sent = http.request(
      { method: 'POST', host: url.hostname, port: url.port, path: url.pathname, agent, headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf } },
      (response) => {
        response.on('error', reject);
        response.on('end', () => {
          resolve(response.statusCode ?? 0);
        });
        response.resume(); // the answer is read to its end (the status is what is counted)
      },
    );
    sent.on('error', reject);
    sent.end(JSON.stringify({ request, prompt }));
  });
}

const signUp = await call('POST', '/auth/sign-up', { email: 'bench@example.com', name: 'Bench', password: 'benchmark password' });
csrf = (signUp.body as { csrfToken: string }).csrfToken;
const organization = await call('POST', '/orgs', { name: 'Bench' });
const orgId = (organization.body as { id: string }).id;
await ledger.grant({ operationId: crypto.randomUUID(), orgId, source: 'promotion', amountCredits: BigInt((2 * JOBS + WARM_UP_JOBS + PACED_JOBS) * 10), actorId: orgId, reason: 'bench' });
await call('PATCH', `/orgs/${orgId}`, { maxConcurrentJobsPerMember: 16 });

// Warm up the code paths (the first request compiles and connects).
await call('POST', `/orgs/${orgId}/preflight`, { request });

/** `count` submits from `clients` concurrent clients to `organization`: latencies (ms), wall time and the statuses. */
async function submitPhase(organization: string, count: number, clients: number, label: string): Promise<{ latenciesMs: number[]; wallMs: number; statuses: number[] }> {
  const latenciesMs: number[] = [];
  const statuses: number[] = [];
  const phaseStarted = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const index = next++;
        const sent = performance.now();
        const status = await submit(organization, `${label} ${String(index)}`);
        latenciesMs.push(performance.now() - sent);
        statuses.push(status);
      }
    }),
  );
  return { latenciesMs: latenciesMs.sort((a, b) => a - b), wallMs: performance.now() - phaseStarted, statuses };
}

// Warm-up, not measured: the first submits compile the code paths and open the pool's connections.
const warmUp = await submitPhase(orgId, WARM_UP_JOBS, CONCURRENT_SUBMITTERS, 'warm-up');
if (warmUp.statuses.some((status) => status !== 201)) throw new Error('a warm-up submit failed');

// Phase 1: submissions, workers off; 16 clients, then 64.
const cpuBefore = await cpuSeconds(server.pid);
const phase = await submitPhase(orgId, JOBS, CONCURRENT_SUBMITTERS, 'bench');
const cpuAfter = await cpuSeconds(server.pid);
if (phase.statuses.some((status) => status !== 201)) throw new Error(`a submit answered ${String(phase.statuses.find((status) => status !== 201))}`);
const storm = await submitPhase(orgId, JOBS, STORM_SUBMITTERS, 'storm');
if (storm.statuses.some((status) => status !== 201)) throw new Error(`a submit answered ${String(storm.statuses.find((status) => status !== 201))}`);

// Phase 1c: a pool that affords AFFORDABLE_JOBS, twice as many sent by 64 clients: exactly that many may pass.
const tight = (await call('POST', '/orgs', { name: 'Bench tight' })).body as { id: string };
await ledger.grant({ operationId: crypto.randomUUID(), orgId: tight.id, source: 'promotion', amountCredits: BigInt(AFFORDABLE_JOBS * 10), actorId: tight.id, reason: 'bench' });
await call('PATCH', `/orgs/${tight.id}`, { maxConcurrentJobsPerMember: 16 });
// A new org's pool also has the Free tier's trial credits: the jobs it affords are counted from its balance.
const affordable = Math.floor(((await call('GET', `/orgs/${tight.id}/pool`)).body as { availableCredits: number }).availableCredits / 10);
const race = await submitPhase(tight.id, 2 * affordable, STORM_SUBMITTERS, 'race');
const racePool = (await call('GET', `/orgs/${tight.id}/pool`)).body as { availableCredits: number };
const accepted = race.statuses.filter((status) => status === 201).length;
const refused = race.statuses.filter((status) => status === 402).length;
const audit = await ledger.checkInvariants();
const overdrafts = Math.max(0, accepted - affordable) + (racePool.availableCredits < 0 ? 1 : 0) + (audit.ok ? 0 : 1);

// Phase 1d: the ledger's own hold rate on one hot pool (its batched holds, no HTTP, no job rows), same database, in this process.
const ledgerOrg = ((await call('POST', '/orgs', { name: 'Bench ledger' })).body as { id: string }).id;
await ledger.grant({ operationId: crypto.randomUUID(), orgId: ledgerOrg, source: 'promotion', amountCredits: BigInt(LEDGER_HOLDS), actorId: ledgerOrg, reason: 'bench' });
const hotPool = new pg.Pool({ connectionString: database.url, max: 20 });
const hotLedger = new Ledger(hotPool);
const memberIds = Array.from({ length: 16 }, () => crypto.randomUUID());
const holdsStarted = performance.now();
let nextHold = 0;
await Promise.all(
  Array.from({ length: STORM_SUBMITTERS }, async () => {
    while (nextHold < LEDGER_HOLDS) {
      const index = nextHold++;
      const memberId = memberIds[index % memberIds.length] ?? ledgerOrg;
      const held = await hotLedger.hold({ holdId: crypto.randomUUID(), orgId: ledgerOrg, memberId, amountCredits: 1n, actorId: memberId });
      if (!held.ok) throw new Error(`ledger hold refused: ${held.code}`);
    }
  }),
);
const holdsPerSecond = LEDGER_HOLDS / ((performance.now() - holdsStarted) / 1000);
await hotLedger.close();
await hotPool.end();

// Phase 2: a server with workers drains the queue (timed from its first start to its last finish).
await server.stop();
server = await startServer(true);
const client = new pg.Client({ connectionString: database.url });
await client.connect();
async function drain(): Promise<void> {
  for (;;) {
    const open = await client.query<{ count: string }>(`select count(*) from jobs where status in ('queued', 'running')`);
    if (open.rows[0]?.count === '0') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
await drain();
const drainedMs = Number(
  (await client.query<{ ms: string }>(`select extract(epoch from (max(finished_at) - min(started_at))) * 1000 as ms from jobs where status = 'succeeded'`)).rows[0]?.ms ?? Number.NaN,
);
const succeeded = Number((await client.query<{ count: string }>(`select count(*) from jobs where status = 'succeeded'`)).rows[0]?.count ?? 0);

// Phase 3: submit-to-start with idle workers, one job at a time.
const pacedIds: string[] = [];
for (let index = 0; index < PACED_JOBS; index += 1) {
  const response = await call('POST', `/orgs/${orgId}/jobs`, { request, prompt: `paced ${String(index)}` });
  pacedIds.push((response.body as { job: { id: string } }).job.id);
  await drain();
}
const timings = await client.query<{ wait_ms: string }>(
  `select extract(epoch from (started_at - created_at)) * 1000 as wait_ms from jobs where id = any($1)`,
  [pacedIds],
);
await client.end();
const waits = timings.rows.map((row) => Number(row.wait_ms)).sort((a, b) => a - b);
if (process.env.BENCH_PACED_DETAIL === '1') {
  // Each paced job's wait, in order, and how long after the previous job finished it was created (ms): "wait/after".
  const detail = await pool.query<{ wait: string; after: string | null }>(
    `select extract(epoch from (started_at - created_at)) * 1000 as wait, extract(epoch from (created_at - lag(finished_at) over (order by created_at))) * 1000 as after
       from jobs where id = any($1) order by created_at`,
    [pacedIds],
  );
  console.log(`paced jobs, wait/after the previous: ${detail.rows.map((row) => `${Number(row.wait).toFixed(0)}/${row.after === null ? '-' : Number(row.after).toFixed(0)}`).join(' ')}`);
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`jobs bench — ${String(JOBS)} jobs by ${String(CONCURRENT_SUBMITTERS)} clients, ${String(JOBS)} by ${String(STORM_SUBMITTERS)}, one member, one pool; local provider ×${WORKER_CONCURRENCY} at zero latency; server ${IN_PROCESS ? 'in the bench process' : 'in its own process'}; clients: ${FETCH_CLIENT ? 'fetch' : 'node:http, kept-alive'}, after ${String(WARM_UP_JOBS)} warm-up submits`);
console.log(`machine: ${String(os.cpus().length)} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
const submitsPerSecond = JOBS / (phase.wallMs / 1000);
console.log(`submit latency (price, then job row + enqueue + hold in one batched transaction; ${String(CONCURRENT_SUBMITTERS)} clients at once): p50 ${percentile(phase.latenciesMs, 0.5).toFixed(1)} ms, p99 ${percentile(phase.latenciesMs, 0.99).toFixed(1)} ms, ${submitsPerSecond.toFixed(0)} submits/s`);
if (cpuBefore !== undefined && cpuAfter !== undefined) {
  const perSubmit = (key: 'server' | 'postgres' | 'bench'): string => (((cpuAfter[key] - cpuBefore[key]) * 1000) / JOBS).toFixed(2);
  console.log(`CPU per submit at ${String(CONCURRENT_SUBMITTERS)} clients: server ${IN_PROCESS ? '(with the clients) ' : ''}${perSubmit(IN_PROCESS ? 'bench' : 'server')} ms, Postgres (all its processes) ${perSubmit('postgres')} ms${IN_PROCESS ? '' : `, HTTP clients ${perSubmit('bench')} ms`}`);
}
console.log(`submit latency, ${String(STORM_SUBMITTERS)} clients at once: p50 ${percentile(storm.latenciesMs, 0.5).toFixed(1)} ms, p99 ${percentile(storm.latenciesMs, 0.99).toFixed(1)} ms, ${(JOBS / (storm.wallMs / 1000)).toFixed(0)} submits/s`);
console.log(`overdraft check (${String(2 * affordable)} submits by ${String(STORM_SUBMITTERS)} clients, credits for ${String(affordable)}): ${String(accepted)} placed, ${String(refused)} refused (402), available after ${String(racePool.availableCredits)}, ledger audit ${audit.ok ? 'ok' : 'FAILED'}: ${String(overdrafts)} overdrafts`);
console.log(`ledger alone (${String(LEDGER_HOLDS)} holds on one hot pool, ${String(STORM_SUBMITTERS)} at once, the library in the bench process): ${holdsPerSecond.toFixed(0)} holds/s; HTTP submits at 16 clients are 1/${(holdsPerSecond / submitsPerSecond).toFixed(1)} of it (ratio ${(submitsPerSecond / holdsPerSecond).toFixed(3)})`);
console.log(`throughput (render 512×512 PNG, store, capture): ${String(succeeded)}/${String(2 * JOBS + WARM_UP_JOBS + accepted)} succeeded in ${(drainedMs / 1000).toFixed(1)} s = ${(succeeded / (drainedMs / 1000)).toFixed(1)} jobs/s`);
console.log(`submit-to-start latency (idle workers, ${String(PACED_JOBS)} jobs one at a time): p50 ${percentile(waits, 0.5).toFixed(1)} ms, p99 ${percentile(waits, 0.99).toFixed(1)} ms`);

await server.stop();
await pool.end();
await database.close();
