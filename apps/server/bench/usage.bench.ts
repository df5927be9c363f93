// `npm run bench:usage`: spend analytics and the transaction export over a year of usage.
// Seeds, straight with SQL, 1,000,000 jobs (what the spend query reads) and 1,000,000 ledger
// transfers (what the history and the CSV export read) for one org, 50 members, 12 months; then
// times the monthly spend-by-member query through the API and streams one month of transfers as
// CSV, with the process's peak RSS before and after to show memory stays flat.
import os from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import pg from 'pg';
import { benchDatabase } from '../../../tools/bench/postgres.js';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/app.js';
import { spendStatement } from '../src/usage/spend.repository.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const MEMBERS = 50;
const RUNS = 20;
const yearStart = new Date('2025-01-01T00:00:00Z');
const yearEnd = new Date('2026-01-01T00:00:00Z');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}
const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

console.log(`bench:usage ${new Date().toISOString()} on ${os.cpus().length.toString()}× ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}, load ${os.loadavg().map((load) => load.toFixed(1)).join(' ')}`);
const database = await benchDatabase('usage');
// The bench reads the reports many times a minute as one member.
const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', RUN_WORKERS: 'false', RATE_LIMIT_EXPENSIVE_PER_MINUTE: '1000000', DATA_DIR: `${os.tmpdir()}/atelier-bench-usage-${String(process.pid)}` });
const app = await createApp({ ...config, databaseUrl: database.url });
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address();
const base = `http://127.0.0.1:${String(typeof address === 'object' && address !== null ? address.port : 0)}/api`;
let cookie = '';
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json', cookie }, body: body === undefined ? undefined : JSON.stringify(body) });
  const setCookie = response.headers.getSetCookie()[0];
  if (setCookie !== undefined) cookie = setCookie.split(';')[0] ?? '';
  return { status: response.status, body: await response.json() };
}
const signUp = await call('POST', '/auth/sign-up', { email: 'bench@example.com', name: 'Bench', password: 'benchmark password' });
const csrf = (signUp.body as { csrfToken: string }).csrfToken;
const organization = await fetch(`${base}/orgs`, { method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf }, body: JSON.stringify({ name: 'Bench', timeZone: 'UTC' }) });
const orgId = ((await organization.json()) as { id: string }).id;

const sql = new pg.Client({ connectionString: database.url });
await sql.connect();
let started = performance.now();
await sql.query(`insert into ledger.accounts (org_id, kind) values ($1, 'usage') on conflict do nothing`, [orgId]);
await sql.query(
  `insert into users (id, email, password_hash, name)
   select gen_random_uuid(), 'member' || i || '@example.com', 'x', 'Member ' || i from generate_series(1, $1) i`,
  [MEMBERS],
);
const members = (await sql.query<{ id: string }>(`select id from users where email like 'member%' order by email`)).rows.map((row) => row.id);
// Jobs: spread evenly over the year; 1 to 4 images of 1 to 5 models, 3 operations; 1 in 20 failed (no capture).
await sql.query(
  `insert into jobs (id, organization_id, author_id, status, operation, model_id, provider, request, prompt, seed, variations,
                     unit_credits, price_credits, captured_credits, catalog_id, catalog_version, line_items, request_fingerprint,
                     images_done, created_at)
   select gen_random_uuid(), $1, ($2::uuid[])[1 + i % $3], case when i % 20 = 0 then 'failed' else 'succeeded' end,
          (array['text-to-image', 'image-to-image', 'inpaint'])[1 + i % 3], (array['flux-schnell', 'flux-dev', 'flux-pro', 'sd3', 'ultra'])[1 + i % 5],
          'local', '{}'::jsonb, 'bench', i, 1 + i % 4, 1 + i % 7, (1 + i % 7) * (1 + i % 4),
          case when i % 20 = 0 then null else (1 + i % 7) * (1 + i % 4) end, 'default', 1, '[]'::jsonb, 'x',
          case when i % 20 = 0 then 0 else 1 + i % 4 end,
          $4::timestamptz + (($5::timestamptz - $4::timestamptz) * i / $6)
   from generate_series(0, $6 - 1) i`,
  [orgId, members, MEMBERS, yearStart.toISOString(), yearEnd.toISOString(), ROWS],
);
const seededJobsMs = performance.now() - started;
started = performance.now();
// Transfers: a hold then its capture, per member, transfer ids in time order (as the ledger draws them).
await sql.query(
  `with a as (select (select account_id from ledger.accounts where org_id = $1 and kind = 'pool') as pool,
                     (select account_id from ledger.accounts where org_id = $1 and kind = 'usage') as usage)
   insert into ledger.transfers (transfer_id, org_id, kind, phase, debit_account_id, credit_account_id, amount_credits,
                                 pending_transfer_id, hold_id, member_id, actor_id, reason, job_id, created_at)
   select 1000000000 + i, $1, case when i % 2 = 0 then 'hold' else 'capture' end,
          case when i % 2 = 0 then 'pending' else 'post_pending' end, a.pool, a.usage, 1 + i % 28,
          case when i % 2 = 0 then null else 1000000000 + i - 1 end, null,
          ($2::uuid[])[1 + (i / 2) % $3], ($2::uuid[])[1 + (i / 2) % $3],
          case when i % 100 = 1 then 'note, with "quotes"' else null end, 'job-' || (i / 2),
          $4::timestamptz + (($5::timestamptz - $4::timestamptz) * i / $6)
   from generate_series(0, $6 - 1) i, a`,
  [orgId, members, MEMBERS, yearStart.toISOString(), yearEnd.toISOString(), ROWS],
);
await sql.query('analyze jobs; analyze ledger.transfers; analyze ledger.accounts; analyze users');
const seededTransfersMs = performance.now() - started;
console.log(`seeded ${ROWS.toLocaleString('en')} jobs in ${(seededJobsMs / 1000).toFixed(1)} s and ${ROWS.toLocaleString('en')} transfers in ${(seededTransfersMs / 1000).toFixed(1)} s`);

async function timeSpend(label: string, query: string): Promise<void> {
  const times: number[] = [];
  let rows = 0;
  for (let run = 0; run < RUNS + 2; run += 1) {
    const sent = performance.now();
    const response = await call('GET', `/orgs/${orgId}/usage/spend?${query}`);
    if (response.status !== 200) throw new Error(`spend answered ${String(response.status)}: ${JSON.stringify(response.body)}`);
    if (run >= 2) times.push(performance.now() - sent); // two warm-up calls
    rows = (response.body as { rows: unknown[] }).rows.length;
  }
  console.log(`${label}: median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms over ${String(RUNS)} calls (${String(rows)} rows)`);
}
await timeSpend('spend by member, one month (June), bucket=month', 'groupBy=member&bucket=month&from=2025-06-01T00:00:00Z&to=2025-07-01T00:00:00Z');
await timeSpend('spend by member, one month (June), bucket=day', 'groupBy=member&bucket=day&from=2025-06-01T00:00:00Z&to=2025-07-01T00:00:00Z');
await timeSpend('spend by model, whole year, bucket=month', 'groupBy=model&bucket=month&from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z');
const plan = await sql.query<{ 'QUERY PLAN': string }>(`explain (analyze, costs off) ${spendStatement('member')}`, [orgId, '2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z', null, 'month']);
console.log(`plan of the spend statement, by member, one month:\n  ${plan.rows.map((row) => row['QUERY PLAN']).join('\n  ')}`);

// A collectable heap: memory is measured after a full GC, and sampled while the export runs.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

async function exportCsv(label: string, from: string, to: string): Promise<void> {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  let heapPeak = heapBefore;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    heapPeak = Math.max(heapPeak, usage.heapUsed);
    rssPeak = Math.max(rssPeak, usage.rss);
  }, 50);
  const sent = performance.now();
  const response = await fetch(`${base}/orgs/${orgId}/usage/transactions.csv?from=${from}&to=${to}`, { headers: { cookie } });
  if (response.status !== 200 || response.body === null) throw new Error(`export answered ${String(response.status)}`);
  let lines = 0;
  let bytes = 0;
  let firstByteMs = Number.NaN;
  for await (const value of response.body as AsyncIterable<Uint8Array>) {
    if (Number.isNaN(firstByteMs)) firstByteMs = performance.now() - sent;
    bytes += value.length;
    for (const byte of value) if (byte === 10) lines += 1;
  }
  const seconds = (performance.now() - sent) / 1000;
  clearInterval(sampler);
  collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  const rows = lines - 1;
  console.log(
    `${label}: ${rows.toLocaleString('en')} rows, ${(bytes / 2 ** 20).toFixed(1)} MB in ${seconds.toFixed(2)} s = ${Math.round(rows / seconds).toLocaleString('en')} rows/s, ` +
      `first byte after ${firstByteMs.toFixed(0)} ms; heap (server + client) ${mib(heapBefore)} before, at most ${mib(heapPeak)} during, ${mib(heapAfter)} after a GC; ` +
      `RSS ${mib(rssBefore)} before, at most ${mib(rssPeak)} during`,
  );
}
await exportCsv('CSV export, one month (June)', '2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z');
await exportCsv('CSV export, one month again (warm)', '2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z');
await exportCsv('CSV export, three months (Q3)', '2025-07-01T00:00:00Z', '2025-10-01T00:00:00Z');

await sql.end();
await app.close();
await database.close();
