/**
 * Holds per second on one hot pool and on 100 pools: the ledger (batched holds with every check:
 * pool balance, member budget, project budget, grants, idempotency) against a baseline that takes
 * `SELECT ... FOR UPDATE` on the pool row per hold and checks the balance only.
 *
 *   npm run bench:ledger                  embedded Postgres
 *   DATABASE_URL=postgres://... npm run bench:ledger
 *
 * Options (environment): BENCH_SECONDS (measured seconds per run, default 5), BENCH_CLIENTS (256).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { benchDatabase } from '../../../tools/bench/postgres.js';
import { Ledger, migrateLedger } from '../src/index.js';

const measuredSeconds = Number(process.env.BENCH_SECONDS ?? 5);
const warmupSeconds = 1;
const clients = Number(process.env.BENCH_CLIENTS ?? 256);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

interface Implementation {
  name: string;
  /** Prepares `poolCount` pools with `credits` each; returns their org ids. */
  setup(poolCount: number, credits: bigint): Promise<string[]>;
  /** One hold; true when accepted, false when refused for lack of credits. */
  hold(orgId: string, memberId: string, amountCredits: bigint): Promise<boolean>;
  /** Pools whose holds exceed what they had (must be 0). */
  overdrafts(orgIds: string[]): Promise<number>;
}

interface RunResult {
  holds: number;
  refused: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

async function run(implementation: Implementation, orgIds: string[]): Promise<RunResult> {
  const latencies: number[] = [];
  let refused = 0;
  let measuring = false;
  let stopping = false;
  const members = Array.from({ length: clients }, () => randomUUID());
  const worker = async (index: number): Promise<void> => {
    const orgId = orgIds[index % orgIds.length] ?? '';
    const memberId = members[index] ?? '';
    while (!stopping) {
      const started = performance.now();
      const accepted = await implementation.hold(orgId, memberId, BigInt(1 + (index % 10)));
      if (measuring) {
        latencies.push(performance.now() - started);
        if (!accepted) {
          refused += 1;
        }
      }
    }
  };
  const workers = Array.from({ length: clients }, (_, index) => worker(index));
  await sleep(warmupSeconds * 1000);
  measuring = true;
  const started = performance.now();
  await sleep(measuredSeconds * 1000);
  measuring = false;
  const seconds = (performance.now() - started) / 1000;
  stopping = true;
  await Promise.all(workers);
  latencies.sort((a, b) => a - b);
  return {
    holds: latencies.length,
    refused,
    seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

/** 256 clients race for a pool holding exactly enough for 1,000 holds: exactly 1,000 may pass. */
async function drain(implementation: Implementation): Promise<{ accepted: number; overdrafts: number }> {
  const [orgId] = await implementation.setup(1, 1_000n);
  let accepted = 0;
  let exhausted = false;
  const memberIds = Array.from({ length: clients }, () => randomUUID());
  await Promise.all(
    memberIds.map(async (memberId) => {
      while (!exhausted) {
        if (await implementation.hold(orgId ?? '', memberId, 1n)) {
          accepted += 1;
        } else {
          exhausted = true;
        }
      }
    }),
  );
  return { accepted, overdrafts: (await implementation.overdrafts([orgId ?? ''])) + (accepted > 1_000 ? 1 : 0) };
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

function ledgerImplementation(pool: pg.Pool): Implementation {
  const ledger = new Ledger(pool, { holdBatchMaxSize: 1024 });
  const actorId = randomUUID();
  const projectIds = new Map<string, string>();
  return {
    name: 'ledger',
    async setup(poolCount, credits) {
      const orgIds: string[] = [];
      for (let index = 0; index < poolCount; index += 1) {
        const orgId = randomUUID();
        const created = await ledger.createPool({ orgId, timeZone: 'Europe/Paris' });
        const granted = await ledger.grant({ operationId: randomUUID(), orgId, source: 'purchase', amountCredits: credits, actorId, reason: 'bench' });
        // Every hold checks a project budget too, so the bench pays for all three checks.
        const projectId = randomUUID();
        const budget = await ledger.setProjectBudget({ operationId: randomUUID(), orgId, projectId, limitCredits: credits * 2n, period: 'month', actorId });
        if (!created.ok || !granted.ok || !budget.ok) {
          throw new Error('ledger setup failed');
        }
        projectIds.set(orgId, projectId);
        orgIds.push(orgId);
      }
      return orgIds;
    },
    async hold(orgId, memberId, amountCredits) {
      const result = await ledger.hold({
        holdId: randomUUID(),
        orgId,
        memberId,
        projectId: projectIds.get(orgId) ?? null,
        amountCredits,
        actorId: memberId,
        reference: { jobId: randomUUID() },
      });
      if (!result.ok && result.code !== 'insufficient_credits') {
        throw new Error(`unexpected hold result ${result.code}`);
      }
      return result.ok;
    },
    async overdrafts(orgIds) {
      let count = 0;
      for (const orgId of orgIds) {
        const balance = await ledger.poolBalance(orgId);
        if (!balance.ok || balance.balance.availableCredits < 0n || balance.balance.pendingCredits > balance.balance.postedCredits) {
          count += 1;
        }
      }
      const report = await ledger.checkInvariants();
      return count + (report.ok ? 0 : 1);
    },
  };
}

function baselineImplementation(pool: pg.Pool): Implementation {
  return {
    name: 'baseline',
    async setup(poolCount, credits) {
      const orgIds = Array.from({ length: poolCount }, () => randomUUID());
      await pool.query(
        'insert into bench_baseline.pools (org_id, posted_credits, pending_credits) select unnest($1::uuid[]), $2, 0',
        [orgIds, credits.toString()],
      );
      return orgIds;
    },
    async hold(orgId, memberId, amountCredits) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const { rows } = await client.query<{ available: string }>(
          'select posted_credits - pending_credits as available from bench_baseline.pools where org_id = $1 for update',
          [orgId],
        );
        const available = BigInt(rows[0]?.available ?? '0');
        if (available < amountCredits) {
          await client.query('rollback');
          return false;
        }
        await client.query(
          'insert into bench_baseline.holds (hold_id, org_id, member_id, amount_credits, placed_at) values ($1, $2, $3, $4, now())',
          [randomUUID(), orgId, memberId, amountCredits.toString()],
        );
        await client.query('update bench_baseline.pools set pending_credits = pending_credits + $2 where org_id = $1', [
          orgId,
          amountCredits.toString(),
        ]);
        await client.query('commit');
        return true;
      } catch (error) {
        await client.query('rollback');
        throw error;
      } finally {
        client.release();
      }
    },
    async overdrafts(orgIds) {
      const { rows } = await pool.query<{ count: string }>(
        'select count(*) from bench_baseline.pools where org_id = any($1::uuid[]) and pending_credits > posted_credits',
        [orgIds],
      );
      return Number(rows[0]?.count ?? 0);
    },
  };
}

async function main(): Promise<void> {
  const database = await benchDatabase('ledger');
  const pool = new pg.Pool({ connectionString: database.url, max: connections });
  // Dropping the database after `pool.end()` may kill sockets still closing: not an error here.
  pool.on('error', () => undefined);
  try {
    await migrateLedger(pool);
    await pool.query(`create schema bench_baseline;
      create table bench_baseline.pools (org_id uuid primary key, posted_credits bigint not null, pending_credits bigint not null);
      create table bench_baseline.holds (hold_id uuid primary key, org_id uuid not null, member_id uuid not null,
        amount_credits bigint not null, placed_at timestamptz not null);`);
    const implementations = [ledgerImplementation(pool), baselineImplementation(pool)];
    const version = await pool.query<{ server_version: string }>('show server_version');
    console.log(
      `ledger bench: ${String(clients)} clients, ${String(connections)} connections, ${String(measuredSeconds)} s measured per run, ` +
        `Postgres ${version.rows[0]?.server_version ?? '?'} (${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'}), ` +
        `Node ${process.version}, ${String(cpus().length)} × ${cpus()[0]?.model ?? 'CPU'}, load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`,
    );
    const rows: Record<string, string | number>[] = [];
    for (const poolCount of [1, 100]) {
      const results = new Map<string, RunResult & { overdrafts: number }>();
      for (const implementation of implementations) {
        const orgIds = await implementation.setup(poolCount, 1_000_000_000n);
        const result = await run(implementation, orgIds);
        const overdrafts = await implementation.overdrafts(orgIds);
        results.set(implementation.name, { ...result, overdrafts });
      }
      const baseline = results.get('baseline');
      for (const [name, result] of results) {
        const holdsPerSecond = result.holds / result.seconds;
        const baselinePerSecond = baseline === undefined ? Number.NaN : baseline.holds / baseline.seconds;
        rows.push({
          pools: poolCount,
          implementation: name,
          'holds/s': Math.round(holdsPerSecond),
          'p50 ms': round(result.p50Ms),
          'p99 ms': round(result.p99Ms),
          'vs baseline': `${round(holdsPerSecond / baselinePerSecond)}x`,
          refused: result.refused,
          overdrafts: result.overdrafts,
        });
      }
    }
    console.table(rows);
    const hot = rows.find((row) => row.pools === 1 && row.implementation === 'ledger');
    if (hot !== undefined) {
      const met =
        Number(hot['holds/s']) >= 5_000 && Number(hot['p99 ms']) < 50 && Number.parseFloat(String(hot['vs baseline'])) >= 5 && hot.overdrafts === 0;
      console.log(`goal on one hot pool (>= 5,000 holds/s, p99 < 50 ms, >= 5x baseline, 0 overdrafts): ${met ? 'met' : 'NOT met'}`);
    }
    for (const implementation of implementations) {
      const outcome = await drain(implementation);
      console.log(
        `drain (${implementation.name}): ${String(clients)} clients raced for 1,000 credits: ${String(outcome.accepted)} holds of 1 credit accepted, overdrafts ${String(outcome.overdrafts)}`,
      );
    }
    console.log(`load average after: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  } finally {
    await pool.end();
    await database.close();
  }
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

await main();
