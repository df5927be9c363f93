import pg from 'pg';
import { expect } from 'vitest';
import { Ledger } from '@atelier/ledger';
import type { JobView, OrganizationView, SubmittedJobView } from '@atelier/contracts';
import { ApiClient, type ApiResponse } from '../client.js';

export const FINAL_STATUSES = ['succeeded', 'failed', 'cancelled'];

/** A fixed-seed pseudo-random source (mulberry32), so a fault run is the same run each time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An org owned by a fresh user on `url`, with `credits` granted straight through the ledger. */
export async function fundedOrganization(url: string, ledger: Ledger, label: string, credits: bigint): Promise<{ client: ApiClient; organization: OrganizationView }> {
  const client = new ApiClient(url);
  await client.signUp(`${label}-${String(Date.now())}-${String(Math.round(Math.random() * 1e6))}@example.com`, label);
  const created = await client.post<OrganizationView>('/orgs', { name: `${label} Co` });
  if (created.status !== 201) throw new Error(`org: ${String(created.status)} ${JSON.stringify(created.body)}`);
  const granted = await ledger.grant({ operationId: crypto.randomUUID(), orgId: created.body.id, source: 'promotion', amountCredits: credits, actorId: created.body.id, reason: 'fault test credits' });
  if (!granted.ok) throw new Error('grant failed');
  return { client, organization: created.body };
}

export function submitBody(seed: number): object {
  return { request: { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 }, prompt: `fault run ${String(seed)}`, seed };
}

/** What the load saw: every answer's status (0 = the connection failed), and the submitted jobs. */
export interface LoadRecord {
  answers: { at: number; status: number; code?: string; retryAfter: string | null; path: string }[];
  jobIds: string[];
}

/** Submits a job every `intervalMs` (and reads the org's balance) until `stop()`; records each answer. */
export function steadyLoad(client: ApiClient, organizationId: string, intervalMs: number, seed: number): { record: LoadRecord; stop(): Promise<void> } {
  const record: LoadRecord = { answers: [], jobIds: [] };
  const random = seededRandom(seed);
  const state = { running: true };
  const note = (path: string, response: ApiResponse | undefined): void => {
    const body = response?.body as { code?: string } | undefined;
    record.answers.push({ at: Date.now(), status: response?.status ?? 0, ...(body?.code === undefined ? {} : { code: body.code }), retryAfter: response?.headers.get('retry-after') ?? null, path });
  };
  const loop = (async () => {
    let index = 0;
    while (state.running) {
      index += 1;
      const submitted = await client.post<SubmittedJobView>(`/orgs/${organizationId}/jobs`, submitBody(Math.floor(random() * 1e9))).catch(() => undefined);
      note('submit', submitted);
      if (submitted?.status === 201) record.jobIds.push(submitted.body.job.id);
      if (index % 3 === 0) note('balance', await client.get(`/orgs/${organizationId}`).catch(() => undefined));
      await sleep(intervalMs);
    }
  })();
  return {
    record,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

/** Waits until every job is final through the API; returns how long it took. Throws naming the stuck ones. */
export async function everyJobFinal(client: ApiClient, organizationId: string, jobIds: string[], timeoutMs = 60_000): Promise<Map<string, JobView>> {
  const deadline = Date.now() + timeoutMs;
  const final = new Map<string, JobView>();
  for (;;) {
    for (const id of jobIds) {
      if (final.has(id)) continue;
      const response = await client.get<JobView>(`/orgs/${organizationId}/jobs/${id}`).catch(() => undefined);
      if (response?.status === 200 && FINAL_STATUSES.includes(response.body.status)) final.set(id, response.body);
    }
    if (final.size === jobIds.length) return final;
    if (Date.now() > deadline) {
      const stuck = jobIds.filter((id) => !final.has(id));
      throw new Error(`${String(stuck.length)} of ${String(jobIds.length)} jobs not final after ${String(timeoutMs)} ms: ${stuck.slice(0, 5).join(', ')}`);
    }
    await sleep(250);
  }
}

/**
 * The ledger's own audit, and the money figures a user would check: every invariant holds, no
 * hold is left pending, the pool's balance is grants − captures, and each job was captured at
 * most once and only if it succeeded.
 */
export async function auditLedger(databaseUrl: string, organizationId: string, granted: bigint): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  const ledger = new Ledger(pool);
  try {
    const report = await ledger.checkInvariants(organizationId);
    expect(report.violations).toEqual([]);
    const balance = await ledger.poolBalance(organizationId);
    if (!balance.ok) throw new Error('no pool');
    expect(balance.balance.pendingCredits).toBe(0n);
    const jobs = await pool.query<{ id: string; captured_credits: string | null; price_credits: string }>(`select id, captured_credits, price_credits from jobs where organization_id = $1`, [organizationId]);
    const captured = jobs.rows.reduce((sum, row) => sum + BigInt(row.captured_credits ?? 0), 0n);
    for (const job of jobs.rows) expect(BigInt(job.captured_credits ?? 0) <= BigInt(job.price_credits), `job ${job.id} charged over its price`).toBe(true);
    expect(balance.balance.availableCredits).toBe(granted - captured);
    const captures = await pool.query<{ hold_id: string; n: string }>(
      `select h.hold_id, count(t.*) as n from ledger.holds h join ledger.transfers t on t.pending_transfer_id = h.transfer_id
        where h.org_id = $1 and t.kind = 'capture' group by h.hold_id having count(t.*) > 1`,
      [organizationId],
    );
    expect(captures.rows, 'holds captured twice').toEqual([]);
  } finally {
    await ledger.close();
    await pool.end().catch(() => undefined);
  }
}

export function stillRunning(child: { exitCode: number | null; signalCode: string | null }): boolean {
  return child.exitCode === null && child.signalCode === null;
}
