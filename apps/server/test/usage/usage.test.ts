import { ledgerOf } from '../ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { JobView, OrganizationView, SpendReport, TransactionPage, TransactionView } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { parseCsv } from './csv.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 };
const pro = { ...schnell, model: 'flux-pro', steps: 25 };
const awkwardReason = 'He said "hi", then\nleft; =SUM(A1) ok';

describe('usage: spend analytics and transaction history', () => {
  let server: TestApp;
  let owner: Member;
  let member: Member;
  let viewer: Member;
  let orgId: string;
  const jobs: JobView[] = [];
  let from: string;
  let to: string;

  beforeAll(async () => {
    server = await startTestApp();
    owner = await signedUp(server, 'usage-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Usage Co' });
    expectStatus(created, 201);
    orgId = created.body.id;
    member = await addMember(server, owner.client, orgId, 'member', 'usage-member');
    viewer = await addMember(server, owner.client, orgId, 'viewer', 'usage-viewer');
    await server.grantCredits(orgId, 100_000);
    const project = await owner.client.post<{ id: string }>(`/orgs/${orgId}/projects`, { name: 'Launch' });
    expectStatus(project, 201);
    from = new Date(Date.now() - 60_000).toISOString();
    const requests: [Member, unknown][] = [
      [member, { request: { ...schnell, variations: 2 }, prompt: 'member schnell', seed: 1 }],
      [member, { request: pro, prompt: 'member pro', seed: 2 }],
      [owner, { request: schnell, prompt: 'owner schnell', seed: 3, projectId: project.body.id }],
      [owner, { request: { ...pro, variations: 3 }, prompt: 'owner pro', seed: 4 }],
    ];
    for (const [who, body] of requests) {
      const job = await submitAndWait(who.client, orgId, body);
      expect(job.status).toBe('succeeded');
      jobs.push(job);
    }
    to = new Date(Date.now() + 60_000).toISOString();
    // A grant whose reason needs every kind of CSV escaping.
    const granted = await ledgerOf(server.app).grant({
      operationId: crypto.randomUUID(),
      orgId,
      source: 'adjustment',
      amountCredits: 5n,
      actorId: owner.userId,
      reason: awkwardReason,
    });
    expect(granted.ok).toBe(true);
  });
  afterAll(async () => {
    await server.close();
  });

  const sumBy = (key: (job: JobView) => string): Map<string, number> => {
    const sums = new Map<string, number>();
    for (const job of jobs) sums.set(key(job), (sums.get(key(job)) ?? 0) + (job.capturedCredits ?? 0));
    return sums;
  };
  const reportSums = (report: SpendReport): Map<string, number> => {
    const sums = new Map<string, number>();
    for (const row of report.rows) sums.set(row.key ?? 'none', (sums.get(row.key ?? 'none') ?? 0) + row.credits);
    return sums;
  };

  it('spend by member over a range is exactly what the jobs captured', async () => {
    const response = await owner.client.get<SpendReport>(`/orgs/${orgId}/usage/spend?groupBy=member&bucket=month&from=${from}&to=${to}`);
    expectStatus(response, 200);
    expect(reportSums(response.body)).toEqual(sumBy((job) => job.authorId));
    const memberRow = response.body.rows.find((row) => row.key === member.userId);
    expect(memberRow?.label).toBe('usage-member');
    const credits = jobs.reduce((sum, job) => sum + (job.capturedCredits ?? 0), 0);
    const images = jobs.reduce((sum, job) => sum + job.imagesDone, 0);
    expect(response.body.totals).toMatchObject({ jobs: 4, images, credits, averageCreditsPerImage: credits / images });
    expect(response.body.totals.byOperation).toEqual([{ operation: 'text-to-image', jobs: 4, images, credits }]);
  });

  it('spend by model, by day, matches too; an empty range is empty', async () => {
    const response = await owner.client.get<SpendReport>(`/orgs/${orgId}/usage/spend?groupBy=model&bucket=day&from=${from}&to=${to}`);
    expectStatus(response, 200);
    expect(reportSums(response.body)).toEqual(sumBy((job) => job.modelId));
    const before = await owner.client.get<SpendReport>(`/orgs/${orgId}/usage/spend?groupBy=model&from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`);
    expectStatus(before, 200);
    expect(before.body.rows).toEqual([]);
    expect(before.body.totals).toMatchObject({ jobs: 0, credits: 0, averageCreditsPerImage: null });
  });

  it('spend by project and by operation adds up the same way (no project: a null key)', async () => {
    const byProject = await owner.client.get<SpendReport>(`/orgs/${orgId}/usage/spend?groupBy=project&bucket=week&from=${from}&to=${to}`);
    expectStatus(byProject, 200);
    expect(reportSums(byProject.body)).toEqual(sumBy((job) => job.projectId ?? 'none'));
    expect(byProject.body.rows.some((row) => row.key === null)).toBe(true);
    const byOperation = await owner.client.get<SpendReport>(`/orgs/${orgId}/usage/spend?groupBy=operation&from=${from}&to=${to}`);
    expectStatus(byOperation, 200);
    expect(reportSums(byOperation.body)).toEqual(sumBy((job) => job.operation));
  });

  it('a member sees only their own spend with scope=me and is refused the org view', async () => {
    const own = await member.client.get<SpendReport>(`/orgs/${orgId}/usage/spend?groupBy=model&bucket=week&scope=me&from=${from}&to=${to}`);
    expectStatus(own, 200);
    expect(reportSums(own.body)).toEqual(new Map([...sumBy((job) => `${job.authorId}|${job.modelId}`)].filter(([key]) => key.startsWith(member.userId)).map(([key, value]) => [key.split('|')[1] ?? '', value])));
    const org = await member.client.get<{ code: string }>(`/orgs/${orgId}/usage/spend?groupBy=member&from=${from}&to=${to}`);
    expect(org.status).toBe(403);
    expect(org.body.code).toBe('forbidden');
    expect((await viewer.client.get(`/orgs/${orgId}/usage/spend?scope=me&from=${from}&to=${to}`)).status).toBe(200);
    expect((await member.client.get(`/orgs/${orgId}/usage/transactions`)).status).toBe(403);
    expect((await member.client.get(`/orgs/${orgId}/usage/transactions.csv`)).status).toBe(403);
  });

  it('refuses a backwards range and an unknown groupBy', async () => {
    expect((await owner.client.get(`/orgs/${orgId}/usage/spend?from=${to}&to=${from}`)).status).toBe(400);
    expect((await owner.client.get(`/orgs/${orgId}/usage/spend?groupBy=color&from=${from}&to=${to}`)).status).toBe(400);
    expect((await owner.client.get(`/orgs/${orgId}/usage/transactions.csv?from=${to}&to=${from}`)).status).toBe(400);
  });

  describe('with many transfers', () => {
    let all: TransactionView[];
    let database: pg.Client;

    beforeAll(async () => {
      const ledger = ledgerOf(server.app);
      for (let index = 0; index < 1_050; index += 1) {
        const result = await ledger.grant({ operationId: crypto.randomUUID(), orgId, source: 'promotion', amountCredits: 1n, actorId: owner.userId, reason: `bulk, ${String(index)}` });
        expect(result.ok).toBe(true);
      }
      const page = await owner.client.get<TransactionPage>(`/orgs/${orgId}/usage/transactions?limit=500`);
      expectStatus(page, 200);
      database = new pg.Client({ connectionString: server.database.url });
      await database.connect();
      all = [];
      let cursor: string | null = null;
      do {
        const next: { status: number; body: TransactionPage } = await owner.client.get<TransactionPage>(`/orgs/${orgId}/usage/transactions?limit=500${cursor === null ? '' : `&cursor=${cursor}`}`);
        expectStatus(next, 200);
        all.push(...next.body.transactions);
        cursor = next.body.nextCursor;
      } while (cursor !== null);
    }, 60_000);
    afterAll(async () => {
      await database.end();
    });

    it('history pagination visits every transfer exactly once, newest first', async () => {
      const count = await database.query<{ count: string }>('select count(*) from ledger.transfers where org_id = $1', [orgId]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: TransactionPage } = await owner.client.get<TransactionPage>(`/orgs/${orgId}/usage/transactions?limit=37${cursor === null ? '' : `&cursor=${cursor}`}`);
        expectStatus(page, 200);
        seen.push(...page.body.transactions.map((transfer) => transfer.transferId));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      expect(seen.length).toBe(Number(count.rows[0]?.count));
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(all.map((transfer) => transfer.transferId));
      const ids = seen.map(BigInt);
      expect(ids.every((id, index) => index === 0 || id < (ids[index - 1] ?? 0n))).toBe(true);
    });

    it('the CSV export streams every row, escaped, with a header', async () => {
      const response = await fetch(`${server.url}/api/orgs/${orgId}/usage/transactions.csv`, { headers: { cookie: cookieOf(owner) } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(response.headers.get('content-length')).toBeNull(); // streamed (chunked), not buffered
      const rows = parseCsv(await response.text());
      const [header, ...records] = rows;
      expect(header?.[0]).toBe('transfer_id');
      expect(records.length).toBe(all.length);
      expect(records.map((record) => record[0])).toEqual(all.map((transfer) => transfer.transferId));
      const reasonColumn = header?.indexOf('reason') ?? -1;
      const awkward = all.find((transfer) => transfer.reason === awkwardReason);
      expect(awkward).toBeDefined();
      expect(records.find((record) => record[0] === awkward?.transferId)?.[reasonColumn]).toBe(awkwardReason);
      expect(records.every((record) => record.length === header?.length)).toBe(true);
    });

    it('the CSV export applies the same filters as the history', async () => {
      const filters = `memberId=${member.userId}&kind=hold,capture&from=${from}&to=${to}`;
      const page = await owner.client.get<TransactionPage>(`/orgs/${orgId}/usage/transactions?limit=500&${filters}`);
      expectStatus(page, 200);
      const expected = all.filter((transfer) => transfer.memberId === member.userId && ['hold', 'capture'].includes(transfer.kind));
      expect(page.body.transactions.map((transfer) => transfer.transferId)).toEqual(expected.map((transfer) => transfer.transferId));
      expect(expected.length).toBe(4); // two jobs: a hold and a capture each
      const csv = await owner.client.get<string>(`/orgs/${orgId}/usage/transactions.csv?${filters}`);
      expect(csv.status).toBe(200);
      const [, ...records] = parseCsv(csv.body);
      expect(records.map((record) => record[0])).toEqual(expected.map((transfer) => transfer.transferId));
      expect(records.map((record) => record[2])).toEqual(expected.map((transfer) => transfer.kind));
    });
  });
});

function cookieOf(member: Member): string {
  const cookie = (member.client as unknown as { cookie: string | undefined }).cookie;
  if (cookie === undefined) throw new Error('no session cookie');
  return cookie;
}
