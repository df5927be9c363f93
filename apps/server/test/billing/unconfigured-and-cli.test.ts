import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntryView, BillingStatus } from '@atelier/contracts';
import { startTestApp, type TestApp } from '../app.js';
import { connect, cookieOf } from '../realtime/sockets.js';
import { expectStatus } from '../world.js';
import { pool, sql, team } from './billing-world.js';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** `npm run credits -- …` as an operator types it, against the test's database. */
function credits(server: TestApp, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'npm',
      ['run', '--silent', 'credits', '--', ...args],
      { cwd: repositoryRoot, env: { ...process.env, DATABASE_URL: server.database.url, LOG_LEVEL: 'silent' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('billing without Stripe, and the operator command', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp();
  });
  afterAll(async () => {
    await server.close();
  });

  it('says billing is not configured, and purchases answer billing_not_configured', async () => {
    const studio = await team(server, 'offline');
    const status = await studio.owner.client.get<BillingStatus>(`/orgs/${studio.organizationId}/billing`);
    expectStatus(status, 200);
    expect(status.body).toMatchObject({ configured: false, tier: 'free', subscription: null, hasPaymentMethod: false });
    expect(status.body.packages).toHaveLength(3);
    const base = `/orgs/${studio.organizationId}/billing`;
    for (const [method, path, body] of [
      ['POST', `${base}/checkout`, { packageId: 'starter' }],
      ['POST', `${base}/subscription`, { tier: 'pro' }],
      ['POST', `${base}/subscription/cancel`, {}],
      ['POST', `${base}/portal`, {}],
      ['PUT', `${base}/auto-top-up`, { enabled: true, thresholdCredits: 100, packageId: 'starter', monthlyCeilingCents: 5_000 }],
    ] as const) {
      const response = await studio.owner.client.request(method, path, body);
      expect(response.status, `${method} ${path}`).toBe(409);
      expect(response.body).toMatchObject({ code: 'billing_not_configured' });
    }
    const webhook = await fetch(`${server.url}/api/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' }, body: '{}' });
    expect(webhook.status).toBe(409);
  });

  it('grants credits with an audit entry, once per operation id', async () => {
    const studio = await team(server, 'operator');
    // An owner with the app open: the grant reaches the page live, though made by another process.
    const socket = await connect(server.url, { cookie: cookieOf(studio.owner.client) });
    expect((await socket.subscribe(studio.organizationId)).ok).toBe(true);
    const operationId = crypto.randomUUID();
    const args = ['grant', '--org', studio.organizationId, '--amount', '2500', '--reason', 'goodwill after an outage', '--operation-id', operationId];
    const granted = await credits(server, args);
    expect(granted.stderr).toBe('');
    expect(granted.code).toBe(0);
    expect(granted.stdout).toMatch(/Granted 2500 credits to operator studio/);
    expect((await pool(studio)).availableCredits).toBe(2_500);
    const live = await socket.waitFor('balance', (event) => event.availableCredits === 2_500);
    expect(live.organizationId).toBe(studio.organizationId);
    socket.close();

    const again = await credits(server, args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Already granted/);
    expect((await pool(studio)).availableCredits).toBe(2_500);

    const audit = await studio.owner.client.get<AuditEntryView[]>(`/orgs/${studio.organizationId}/audit`);
    expectStatus(audit, 200);
    const entries = audit.body.filter((entry) => entry.action === 'credits.grant');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.after).toMatchObject({ amountCredits: 2_500, reason: 'goodwill after an outage', operationId });
    const transfers = await sql<{ reason: string }>(server, `select reason from ledger.transfers where org_id = $1 and kind = 'grant'`, [studio.organizationId]);
    expect(transfers[0]?.reason).toMatch(/^operator grant by .+: goodwill after an outage$/);
  });

  it('refuses bad arguments with exit code 2 and says why', async () => {
    const studio = await team(server, 'badargs');
    for (const [args, message] of [
      [['grant', '--org', 'not-an-id', '--amount', '5', '--reason', 'x'], /--org/],
      [['grant', '--org', studio.organizationId, '--amount', '-5', '--reason', 'x'], /--amount/],
      [['grant', '--org', studio.organizationId, '--amount', '1.5', '--reason', 'x'], /--amount/],
      [['grant', '--org', studio.organizationId, '--amount', '5'], /--reason/],
      [['take', '--org', studio.organizationId, '--amount', '5', '--reason', 'x'], /grant/],
      [['grant', '--org', crypto.randomUUID(), '--amount', '5', '--reason', 'x'], /no organization/],
    ] as const) {
      const result = await credits(server, [...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect((await pool(studio)).availableCredits).toBe(0);
  });
});
