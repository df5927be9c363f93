import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, OrganizationView } from '@atelier/contracts';
import { ledgerOf } from '../ledger-of.js';
import { startTestApp, type TestApp } from '../app.js';
import { addMember, expectStatus, signedUp, submitAndWait, type Member } from '../world.js';
import { parseCsv } from './csv.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 }; // 10 credits an image
const timeZone = 'Asia/Tokyo';

/** "2026-12-05 06:14:09" for now in `zone`: what the statement's date column holds. */
function localNow(zone: string): Date {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
      .formatToParts(new Date())
      .map((part) => [part.type, part.value]),
  );
  return new Date(`${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}T${parts.hour ?? ''}:${parts.minute ?? ''}:${parts.second ?? ''}Z`);
}

describe('usage: the human CSV (statement)', () => {
  let server: TestApp;
  let owner: Member;
  let member: Member;
  let orgId: string;
  let projectId: string;
  const jobs: JobView[] = [];

  const statement = async (who: Member, query = ''): Promise<{ status: number; rows: string[][]; headers: Headers }> => {
    const response = await who.client.request<string>('GET', `/orgs/${orgId}/usage/statement.csv${query}`);
    return { status: response.status, rows: response.status === 200 ? parseCsv(response.body) : [], headers: response.headers };
  };

  beforeAll(async () => {
    server = await startTestApp({ PUBLIC_URL: 'https://atelier.example.com' });
    owner = await signedUp(server, 'olga');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Statement Co', timeZone });
    expectStatus(created, 201);
    orgId = created.body.id;
    member = await addMember(server, owner.client, orgId, 'member', 'milo');
    await server.grantCredits(orgId, 1_000);
    const project = await owner.client.post<{ id: string }>(`/orgs/${orgId}/projects`, { name: 'Spring, "launch"' });
    expectStatus(project, 201);
    projectId = project.body.id;
    for (const [who, body] of [
      [member, { request: schnell, prompt: 'one', seed: 1, projectId }],
      [owner, { request: { ...schnell, variations: 2 }, prompt: 'two', seed: 2 }],
    ] as const) {
      const job = await submitAndWait(who.client, orgId, body);
      expect(job.status).toBe('succeeded');
      jobs.push(job);
    }
    const refunded = await ledgerOf(server.app).adjust({
      operationId: crypto.randomUUID(),
      orgId,
      amountCredits: -30n,
      actorId: owner.userId,
      reason: 'correction',
    });
    expect(refunded.ok).toBe(true);
  });
  afterAll(async () => {
    await server.close();
  });

  it('has one row per movement of the pool, oldest first, in words a person reads', async () => {
    const { status, rows, headers } = await statement(owner);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(headers.get('content-disposition')).toMatch(/^attachment; filename="atelier-usage-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(rows[0]).toEqual([`Date (${timeZone})`, 'Member', 'Project', 'Entry', 'Model', 'Operation', 'Credits', 'Balance after', 'Job', 'Images', 'Note']);
    const body = rows.slice(1);
    const [memberJob, ownerJob] = jobs;
    const link = (path: string): string => `https://atelier.example.com${path}`;
    expect(body.map((row) => row.slice(1))).toEqual([
      ['', '', 'Credits granted', '', '', '1000', '1000', '', '', 'test credits'],
      [
        'milo', 'Spring, "launch"', 'Image generation', 'Flux.1 [schnell]', 'text-to-image', '-10', '990',
        link(`/api/orgs/${orgId}/jobs/${memberJob?.id ?? ''}`), link(`/orgs/${orgId}/gallery/${memberJob?.assetIds[0] ?? ''}`), '',
      ],
      [
        'olga', '', 'Image generation', 'Flux.1 [schnell]', 'text-to-image', '-20', '970',
        link(`/api/orgs/${orgId}/jobs/${ownerJob?.id ?? ''}`),
        (ownerJob?.assetIds ?? []).map((assetId) => link(`/orgs/${orgId}/gallery/${assetId}`)).join(' '), '',
      ],
      ['', '', 'Adjustment', '', '', '-30', '940', '', '', 'correction'],
    ]);
    // Dates are wall-clock time in the pool's zone (Tokyo: UTC+9), not UTC.
    for (const row of body) {
      expect(row[0]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      const shown = new Date(`${(row[0] ?? '').replace(' ', 'T')}Z`).getTime();
      expect(Math.abs(shown - localNow(timeZone).getTime())).toBeLessThan(5 * 60_000);
    }
    // The balance after the last row is the pool's balance.
    const pool = await owner.client.get<{ postedCredits: number }>(`/orgs/${orgId}/pool`);
    expect(String(pool.body.postedCredits)).toBe(body.at(-1)?.[7]);
  });

  it("filters by member or project and keeps the pool's balance after each row", async () => {
    const byMember = (await statement(owner, `?memberId=${member.userId}`)).rows.slice(1);
    expect(byMember.map((row) => [row[1], row[6], row[7]])).toEqual([['milo', '-10', '990']]);
    const byProject = (await statement(owner, `?projectId=${projectId}`)).rows.slice(1);
    expect(byProject.map((row) => [row[2], row[6], row[7]])).toEqual([['Spring, "launch"', '-10', '990']]);
    const none = await statement(owner, '?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z');
    expect(none.rows).toHaveLength(1); // the header alone
    // From after the grant: the opening balance still counts it.
    const grantTime = new Date(Date.now() - 60 * 60_000).toISOString();
    expect((await statement(owner, `?from=${grantTime}`)).rows.slice(1).map((row) => row[7])).toEqual(['1000', '990', '970', '940']);
  });

  it('is for managers and owners, like the raw export; bad filters are a 400 naming the field', async () => {
    expect((await statement(member)).status).toBe(403);
    const backwards = await owner.client.get<{ code: string; field: string }>(`/orgs/${orgId}/usage/statement.csv?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`);
    expect(backwards.status).toBe(400);
    expect(backwards.body).toMatchObject({ code: 'invalid_request', field: 'to' });
    const unknown = await owner.client.get<{ code: string; field: string }>(`/orgs/${orgId}/usage/statement.csv?kind=grant`);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_request', field: 'kind' });
    // The raw ledger export is still there for accountants.
    const raw = await owner.client.get<string>(`/orgs/${orgId}/usage/transactions.csv`);
    expect(raw.status).toBe(200);
    expect(raw.body.split('\r\n')[0]).toContain('debit_account');
  });
});
