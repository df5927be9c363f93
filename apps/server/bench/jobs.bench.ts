// `npm run bench:jobs`: submit latency, submit-to-start latency and throughput of generation jobs
// through the real server, queue and ledger, with the local provider at zero latency.
import { ledgerOf } from '../test/ledger-of.js';
import os from 'node:os';
import pg from 'pg';
import { benchDatabase } from '../../../tools/bench/postgres.js';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/app.js';
import { JobsModule } from '../src/jobs/jobs.module.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 400);
const CONCURRENT_SUBMITTERS = Number(process.env.BENCH_SUBMITTERS ?? 16);
const WORKER_CONCURRENCY = process.env.BENCH_WORKERS ?? '4';
const PACED_JOBS = 50;

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

const database = await benchDatabase('jobs');
// Workers start after the submit phase, so each phase is measured on its own.
// One member submits every job as fast as it can: the per-member submit limit would measure itself.
const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', RUN_WORKERS: 'false', PROVIDER_CONCURRENCY_LOCAL: WORKER_CONCURRENCY, RATE_LIMIT_SUBMIT_PER_MINUTE: '1000000', RATE_LIMIT_PREFLIGHT_PER_MINUTE: '1000000', DATA_DIR: `${os.tmpdir()}/atelier-bench-jobs-${String(process.pid)}` });
const app = await createApp({ ...config, databaseUrl: database.url });
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address();
const base = `http://127.0.0.1:${String(typeof address === 'object' && address !== null ? address.port : 0)}/api`;

let cookie = '';
let csrf = '';
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const setCookie = response.headers.getSetCookie()[0];
  if (setCookie !== undefined) cookie = setCookie.split(';')[0] ?? '';
  return { status: response.status, body: await response.json() };
}

const signUp = await call('POST', '/auth/sign-up', { email: 'bench@example.com', name: 'Bench', password: 'benchmark password' });
csrf = (signUp.body as { csrfToken: string }).csrfToken;
const organization = await call('POST', '/orgs', { name: 'Bench' });
const orgId = (organization.body as { id: string }).id;
await ledgerOf(app).grant({ operationId: crypto.randomUUID(), orgId, source: 'promotion', amountCredits: BigInt((JOBS + PACED_JOBS) * 10), actorId: orgId, reason: 'bench' });
await call('PATCH', `/orgs/${orgId}`, { maxConcurrentJobsPerMember: 16 });

const request = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 };
// Warm up the code paths (the first request compiles and connects).
await call('POST', `/orgs/${orgId}/preflight`, { request });

const submitLatenciesMs: number[] = [];
const started = performance.now();
let next = 0;
// Phase 1: submissions, workers off.
await Promise.all(
  Array.from({ length: CONCURRENT_SUBMITTERS }, async () => {
    while (next < JOBS) {
      const index = next++;
      const sent = performance.now();
      const response = await call('POST', `/orgs/${orgId}/jobs`, { request, prompt: `bench ${String(index)}` });
      submitLatenciesMs.push(performance.now() - sent);
      if (response.status !== 201) throw new Error(`submit answered ${String(response.status)}`);
    }
  }),
);
const submittedMs = performance.now() - started;

// Phase 2: the workers drain the queue.
config.jobs.runWorkers = true;
const drainStarted = performance.now();
await app.get(JobsModule).onApplicationBootstrap();
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
const drainedMs = performance.now() - drainStarted;
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
const submits = [...submitLatenciesMs].sort((a, b) => a - b);

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`jobs bench — ${String(JOBS)} jobs, ${String(CONCURRENT_SUBMITTERS)} concurrent submitters, local provider ×${WORKER_CONCURRENCY} at zero latency`);
console.log(`machine: ${String(os.cpus().length)} × ${cpu}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`submit latency (price, hold and enqueue in one transaction; ${String(CONCURRENT_SUBMITTERS)} at once): p50 ${percentile(submits, 0.5).toFixed(1)} ms, p99 ${percentile(submits, 0.99).toFixed(1)} ms, ${(JOBS / (submittedMs / 1000)).toFixed(0)} submits/s`);
console.log(`throughput (render 512×512 PNG, store, capture): ${String(succeeded)}/${String(JOBS)} succeeded in ${(drainedMs / 1000).toFixed(1)} s = ${(succeeded / (drainedMs / 1000)).toFixed(1)} jobs/s`);
console.log(`submit-to-start latency (idle workers, ${String(PACED_JOBS)} jobs one at a time): p50 ${percentile(waits, 0.5).toFixed(1)} ms, p99 ${percentile(waits, 0.99).toFixed(1)} ms`);

await app.close();
await database.close();
