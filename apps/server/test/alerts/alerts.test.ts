import { ledgerOf } from '../ledger-of.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AlertEvent,
  AlertSettingsView,
  AlertWebhookPayload,
  NotificationPage,
  OrganizationView,
  SubmittedJobView,
  WebhookAttemptList,
} from '@atelier/contracts';
import { AlertEvaluatorService } from '../../src/alerts/alert-evaluator.service.js';
import { ClockRepository } from '../../src/repositories/clock.repository.js';
import { PostgresPoolRepository } from '../../src/repositories/postgres-pool.repository.js';
import { LedgerRepository } from '../../src/repositories/ledger.repository.js';
import { startTestApp, type TestApp } from '../app.js';
import { connect, cookieOf, type Connection } from '../realtime/sockets.js';
import { addMember, expectStatus, signedUp, waitForJob, type Member } from '../world.js';

const schnell = { operation: 'text-to-image', model: 'flux-schnell', width: 512, height: 512, steps: 4 } as const; // 10 credits
const DAY_MS = 86_400_000;

/** The server's clock, moved by the tests (budget periods, months, grant expiry). */
class MovableClock extends ClockRepository {
  offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

interface ReceivedHook {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver answering with the given statuses in turn (the last one repeats). */
async function webhookReceiver(statuses: number[]): Promise<{ url: string; received: ReceivedHook[]; server: Server }> {
  const received: ReceivedHook[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = statuses[Math.min(received.length - 1, statuses.length - 1)] ?? 200;
      response.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/hooks/atelier`, received, server };
}

/** What a receiver does: recompute the HMAC over `t.body` with the shared secret. */
function signatureIsValid(secret: string, hook: ReceivedHook): boolean {
  const header = String(hook.headers['atelier-signature'] ?? '');
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  if (parts.t === undefined || parts.v1 === undefined) return false;
  const expected = createHmac('sha256', secret).update(`${parts.t}.${hook.body}`).digest();
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('alerts', () => {
  let server: TestApp;
  const clock = new MovableClock();
  let owner: Member;
  let manager: Member;
  let member: Member;
  let organization: OrganizationView;
  const connections: Connection[] = [];

  const notifications = async (who: Member, query = ''): Promise<NotificationPage> => {
    const page = await who.client.get<NotificationPage>(`/orgs/${organization.id}/notifications${query}`);
    expectStatus(page, 200);
    return page.body;
  };
  const settle = (): Promise<void> => server.app.get(AlertEvaluatorService).idle();
  /** Submits `count` jobs at once as `who`; returns the accepted ones' prices. */
  const submitTogether = async (who: Member, count: number, label: string): Promise<SubmittedJobView[]> => {
    const responses = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        who.client.post<SubmittedJobView>(`/orgs/${organization.id}/jobs`, { request: schnell, prompt: `${label} ${String(index)}`, seed: index + 1 }),
      ),
    );
    const accepted = responses.filter((response) => response.status === 201).map((response) => response.body);
    await Promise.all(accepted.map((submitted) => waitForJob(who.client, organization.id, submitted.job.id)));
    await settle();
    return accepted;
  };

  beforeAll(async () => {
    // The receivers below listen on 127.0.0.1: allowed here (the default refuses private addresses; see the last describe).
    server = await startTestApp({ ALERT_WEBHOOK_RETRY_BASE_MS: '50', ALERT_WEBHOOK_MAX_ATTEMPTS: '4', ALERT_WEBHOOK_TIMEOUT_MS: '2000', PROVIDER_CONCURRENCY_LOCAL: '8', ALERT_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, [
      { provide: ClockRepository, useValue: clock },
    ]);
    owner = await signedUp(server, 'alert-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Alerting Studio' });
    expectStatus(created, 201);
    organization = created.body;
    manager = await addMember(server, owner.client, organization.id, 'manager', 'alert-manager');
    member = await addMember(server, owner.client, organization.id, 'member', 'alert-member');
    await server.grantCredits(organization.id, 100_000);
  });
  afterAll(async () => {
    for (const connection of connections) connection.close();
    await server.close();
  });

  it('fires each budget threshold exactly once when concurrent holds cross them together, and again next period', async () => {
    const socket = await connect(server.url, { cookie: cookieOf(member.client) });
    connections.push(socket);
    expect((await socket.subscribe(organization.id)).ok).toBe(true);
    // 10 credits a job: 100 credits a day is 10 jobs; thresholds at 50%, 80% and 100%.
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${member.userId}/budget`, { limitCredits: 100, period: 'day', alertThresholdsPercent: [50, 80, 100] }),
      200,
    );
    server.outbox.length = 0;
    const accepted = await submitTogether(member, 12, 'burst');
    expect(accepted.length).toBe(10); // the 11th and 12th are refused: the budget really blocks
    expect(accepted.every((submitted) => submitted.job.priceCredits === 10)).toBe(true);

    const page = await notifications(member);
    const kinds = page.notifications.map((notification) => `${notification.kind}:${String(notification.data.thresholdPercent ?? '')}`).sort();
    expect(kinds).toEqual(['budget_exhausted:', 'budget_threshold:100', 'budget_threshold:50', 'budget_threshold:80']);
    expect(page.unreadCount).toBe(4);
    // The member's own budget: nobody else is told.
    expect((await notifications(owner)).notifications.filter((notification) => notification.kind.startsWith('budget'))).toEqual([]);
    // Socket: the same four, live.
    await eventually(() => (socket.received.filter((entry) => entry.event === 'alert').length >= 4 ? true : undefined), '4 socket alerts');
    const live = socket.received.filter((entry) => entry.event === 'alert').map((entry) => entry.payload as AlertEvent);
    expect(live.map((alert) => alert.id).sort()).toEqual(page.notifications.map((notification) => notification.id).sort());
    // Email: one per alert to the member; and the exhaustion once to each owner and manager (below).
    await eventually(() => (server.outbox.length >= 6 ? true : undefined), '6 emails');
    const toMember = server.outbox.filter((mail) => mail.to === member.email);
    expect(toMember).toHaveLength(4);
    expect(toMember.map((mail) => mail.subject).sort()).toEqual(
      ['100% of your budget used', '50% of your budget used', '80% of your budget used', 'Your budget is used up'].map((title) => `${title} — Alerting Studio`),
    );
    expect(server.outbox.filter((mail) => mail.to !== member.email).map((mail) => `${mail.to}: ${mail.subject}`).sort()).toEqual(
      [manager.email, owner.email].sort().map((email) => `${email}: alert-member's budget is used up — Alerting Studio`),
    );

    // The next day is a new period: the budget is fresh and the thresholds fire again.
    clock.offsetMs += DAY_MS;
    const nextDay = await submitTogether(member, 6, 'next day');
    expect(nextDay.length).toBe(6);
    const after = await notifications(member);
    const fresh = after.notifications.filter((notification) => !page.notifications.some((earlier) => earlier.id === notification.id));
    expect(fresh.map((notification) => notification.data.thresholdPercent)).toEqual([50]);
    expect(fresh[0]?.data.periodStart).not.toBe(page.notifications[0]?.data.periodStart);
  });

  it("tells the owners and managers once per period when a member's budget runs out, and again the next period", async () => {
    const spender = await addMember(server, owner.client, organization.id, 'member', 'alert-spender');
    const bystander = await addMember(server, owner.client, organization.id, 'member', 'alert-bystander');
    const managersTold = async (): Promise<Record<string, string[]>> => {
      const told: Record<string, string[]> = {};
      for (const [name, who] of [['owner', owner], ['manager', manager], ['spender', spender], ['bystander', bystander]] as const) {
        told[name] = (await notifications(who)).notifications
          .filter((notification) => notification.kind === 'member_budget_exhausted' && notification.data.memberId === spender.userId)
          .map((notification) => String(notification.data.periodStart));
      }
      return told;
    };
    const mailsAboutSpender = (): string[] =>
      server.outbox.filter((mail) => mail.subject.startsWith("alert-spender's budget is used up")).map((mail) => mail.to).sort();
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${spender.userId}/budget`, { limitCredits: 20, period: 'day', alertThresholdsPercent: [] }),
      200,
    );
    server.outbox.length = 0;

    // Exhausted: 2 jobs of 10 use the 20 credits.
    expect(await submitTogether(spender, 3, 'spend it all')).toHaveLength(2);
    const first = await managersTold();
    expect(first.owner).toHaveLength(1);
    expect(first).toEqual({ owner: first.owner, manager: first.owner, spender: [], bystander: [] });
    const [notice] = (await notifications(manager)).notifications.filter((notification) => notification.kind === 'member_budget_exhausted');
    expect(notice).toMatchObject({
      title: "alert-spender's budget is used up",
      data: { memberId: spender.userId, memberName: 'alert-spender', limitCredits: 20, usedCredits: 20 },
    });
    expect(notice?.message).toContain('Raise their budget on the Team page');
    await eventually(() => (mailsAboutSpender().length >= 2 ? true : undefined), "the managers' emails");
    expect(mailsAboutSpender()).toEqual([manager.email, owner.email].sort());
    // The spender hears their own alert, not the managers'.
    expect((await notifications(spender)).notifications.map((notification) => notification.kind)).toEqual(['budget_exhausted']);

    // Exhausted again in the same period (a manager raised the limit, it ran out again): nobody is told twice.
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${spender.userId}/budget`, { limitCredits: 30, period: 'day', alertThresholdsPercent: [] }),
      200,
    );
    expect(await submitTogether(spender, 2, 'spend the raise')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 300)); // any second email would have been queued by now
    expect(await managersTold()).toEqual(first);
    expect(mailsAboutSpender()).toEqual([manager.email, owner.email].sort());

    // The next day is a new period: running out again tells them again.
    clock.offsetMs += DAY_MS;
    expect(await submitTogether(spender, 4, 'next period')).toHaveLength(3);
    const second = await managersTold();
    expect(second.owner).toHaveLength(2);
    expect(new Set(second.owner).size).toBe(2); // two different periods
    expect(second).toEqual({ owner: second.owner, manager: second.owner, spender: [], bystander: [] });
    await eventually(() => (mailsAboutSpender().length >= 4 ? true : undefined), "the next period's emails");
    expect(mailsAboutSpender()).toEqual([manager.email, manager.email, owner.email, owner.email].sort());
  });

  it('fires the low-balance alert once to owners and managers when concurrent holds cross the line, and again next month', async () => {
    const balance = await server.app.get(LedgerRepository).poolBalance(organization.id);
    const line = balance.availableCredits - 45; // five 10-credit jobs cross it
    const set = await owner.client.put<AlertSettingsView>(`/orgs/${organization.id}/alert-settings`, { lowBalanceCredits: line });
    expectStatus(set, 200);
    expect(set.body.lowBalanceCredits).toBe(line);
    expectStatus(await owner.client.put(`/orgs/${organization.id}/members/${owner.userId}/budget`, { limitCredits: null, period: 'month' }), 200);

    await submitTogether(owner, 20, 'drain');
    const lows = async (who: Member): Promise<number> => (await notifications(who)).notifications.filter((notification) => notification.kind === 'pool_low').length;
    expect(await lows(owner)).toBe(1);
    expect(await lows(manager)).toBe(1);
    expect(await lows(member)).toBe(0);
    const alert = (await notifications(owner)).notifications.find((notification) => notification.kind === 'pool_low');
    expect(alert?.data.lowBalanceCredits).toBe(line);
    expect(Number(alert?.data.availableCredits)).toBeLessThan(line);

    // Still below the line: more spending this month says nothing new.
    await submitTogether(owner, 3, 'more');
    expect(await lows(owner)).toBe(1);

    // Next month, still below: the first change of balance alerts again, once.
    clock.offsetMs += 32 * DAY_MS;
    await submitTogether(owner, 10, 'next month');
    expect(await lows(owner)).toBe(2);
    expect(await lows(manager)).toBe(2);
  });

  it('warns owners and managers once about a grant that expires soon', async () => {
    const ledger = ledgerOf(server.app);
    const granted = await ledger.grant({
      operationId: crypto.randomUUID(),
      orgId: organization.id,
      source: 'subscription',
      amountCredits: 500n,
      expiresAt: new Date(clock.now().getTime() + 2 * DAY_MS),
      actorId: organization.id,
      reason: 'monthly allocation',
    });
    expect(granted.ok).toBe(true);
    const far = await ledger.grant({
      operationId: crypto.randomUUID(),
      orgId: organization.id,
      source: 'subscription',
      amountCredits: 500n,
      expiresAt: new Date(clock.now().getTime() + 20 * DAY_MS),
      actorId: organization.id,
      reason: 'far away',
    });
    expect(far.ok).toBe(true);
    const evaluator = server.app.get(AlertEvaluatorService);
    // Two scans racing (two worker nodes): one alert.
    const fired = await Promise.all([evaluator.scanExpiringGrants(), evaluator.scanExpiringGrants()]);
    expect(fired[0] + fired[1]).toBe(1);
    expect(await evaluator.scanExpiringGrants()).toBe(0);
    const expiring = (await notifications(owner)).notifications.filter((notification) => notification.kind === 'grant_expiring');
    expect(expiring).toHaveLength(1);
    expect(expiring[0]?.data).toMatchObject({ remainingCredits: 500, source: 'subscription' });
    expect((await notifications(manager)).notifications.filter((notification) => notification.kind === 'grant_expiring')).toHaveLength(1);
  });

  it('signs webhook deliveries, retries failures with backoff and logs every attempt', async () => {
    const receiver = await webhookReceiver([500, 503, 200]);
    try {
      const set = await manager.client.put<AlertSettingsView & { webhookSecret?: string }>(`/orgs/${organization.id}/alert-settings`, { webhookUrl: receiver.url });
      expectStatus(set, 200);
      const secret = set.body.webhookSecret;
      expect(secret).toMatch(/^whsec_/);
      expect(set.body.webhookSecretSet).toBe(true);
      // Shown once: reading the settings does not reveal it.
      expect(JSON.stringify((await manager.client.get(`/orgs/${organization.id}/alert-settings`)).body)).not.toContain(String(secret));

      // An alert: the manager's budget crosses its only threshold.
      expectStatus(
        await owner.client.put(`/orgs/${organization.id}/members/${manager.userId}/budget`, { limitCredits: 20, period: 'month', alertThresholdsPercent: [50] }),
        200,
      );
      await submitTogether(manager, 1, 'hooked');
      await eventually(() => (receiver.received.length >= 3 ? true : undefined), 'three webhook attempts');
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Not delivered again after the success.
      const deliveries = receiver.received.filter((hook) => (JSON.parse(hook.body) as AlertWebhookPayload).alert.kind === 'budget_threshold');
      expect(deliveries).toHaveLength(3);
      for (const hook of deliveries) expect(signatureIsValid(String(secret), hook)).toBe(true);
      const payloads = deliveries.map((hook) => JSON.parse(hook.body) as AlertWebhookPayload);
      expect(new Set(payloads.map((payload) => payload.id)).size).toBe(1);
      expect(payloads[0]).toMatchObject({ type: 'alert.budget_threshold', organizationId: organization.id, alert: { data: { memberId: manager.userId, thresholdPercent: 50 } } });
      expect(deliveries.map((hook) => hook.headers['atelier-delivery-attempt'])).toEqual(['1', '2', '3']);
      // A tampered body fails verification.
      expect(signatureIsValid(String(secret), { headers: deliveries[0]?.headers ?? {}, body: deliveries[0]?.body.replace('50', '51') ?? '' })).toBe(false);

      const log = await manager.client.get<WebhookAttemptList>(`/orgs/${organization.id}/alert-settings/webhook-attempts`);
      expectStatus(log, 200);
      const attempts = log.body.attempts.filter((attempt) => attempt.alertId === payloads[0]?.id).reverse();
      expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome, attempt.statusCode])).toEqual([
        [1, 'failed', 500],
        [2, 'failed', 503],
        [3, 'delivered', 200],
      ]);
      // Backoff doubles: 50 ms, then 100 ms.
      const gap = (index: number): number => Date.parse(attempts[index + 1]?.createdAt ?? '') - Date.parse(attempts[index]?.createdAt ?? '');
      expect(gap(0)).toBeGreaterThanOrEqual(45);
      expect(gap(1)).toBeGreaterThanOrEqual(95);
      expect(attempts[0]?.nextAttemptAt).not.toBeNull();
      expect(attempts[2]?.nextAttemptAt).toBeNull();
    } finally {
      receiver.server.close();
    }
  });

  it('gives up after the last attempt against a dead endpoint, and logs it as abandoned', async () => {
    const dead = await webhookReceiver([200]);
    const deadUrl = dead.url;
    await new Promise((resolve) => dead.server.close(resolve));
    expectStatus(await owner.client.put(`/orgs/${organization.id}/alert-settings`, { webhookUrl: deadUrl }), 200);
    const ledger = ledgerOf(server.app);
    await ledger.grant({
      operationId: crypto.randomUUID(),
      orgId: organization.id,
      source: 'promotion',
      amountCredits: 7n,
      expiresAt: new Date(clock.now().getTime() + DAY_MS),
      actorId: organization.id,
      reason: 'short promotion',
    });
    expect(await server.app.get(AlertEvaluatorService).scanExpiringGrants()).toBe(1);
    const attempts = await eventually(async () => {
      const log = await owner.client.get<WebhookAttemptList>(`/orgs/${organization.id}/alert-settings/webhook-attempts`);
      const forDead = log.body.attempts.filter((attempt) => attempt.url === deadUrl);
      return forDead.some((attempt) => attempt.outcome === 'abandoned') ? forDead.reverse() : undefined;
    }, 'an abandoned delivery');
    expect(attempts.map((attempt) => [attempt.attempt, attempt.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'abandoned'],
    ]);
    expect(attempts.every((attempt) => attempt.statusCode === null && (attempt.error ?? '').length > 0)).toBe(true);
  });

  it('pages notifications with a cursor, filters unread, marks read only my own', async () => {
    const all = await notifications(member, '?limit=2');
    expect(all.notifications).toHaveLength(2);
    expect(all.nextCursor).not.toBeNull();
    const next = await notifications(member, `?limit=2&cursor=${String(all.nextCursor)}`);
    expect(next.notifications.map((notification) => notification.id)).not.toContain(all.notifications[0]?.id);
    const ownerIds = (await notifications(owner)).notifications.map((notification) => notification.id);
    // Someone else's notification id is not mine to mark.
    const foreign = await member.client.post<{ updated: number }>(`/orgs/${organization.id}/notifications/read`, { ids: [ownerIds[0]] });
    expectStatus(foreign, 200);
    expect(foreign.body.updated).toBe(0);
    const marked = await member.client.post<{ updated: number }>(`/orgs/${organization.id}/notifications/read`, { ids: [all.notifications[0]?.id] });
    expect(marked.body.updated).toBe(1);
    const unread = await notifications(member, '?unread=true&limit=100');
    expect(unread.notifications.map((notification) => notification.id)).not.toContain(all.notifications[0]?.id);
    expect(unread.unreadCount).toBe(unread.notifications.length);
    const everything = await member.client.post<{ updated: number }>(`/orgs/${organization.id}/notifications/read`, { all: true });
    expect(everything.body.updated).toBe(unread.unreadCount);
    expect((await notifications(member)).unreadCount).toBe(0);
  });

  it('refuses bad settings with the field at fault, and members cannot change them', async () => {
    const badUrl = await owner.client.put<{ code: string; field: string }>(`/orgs/${organization.id}/alert-settings`, { webhookUrl: 'ftp://example.com/hook' });
    expectStatus(badUrl, 400);
    expect(badUrl.body).toMatchObject({ code: 'invalid_request', field: 'webhookUrl' });
    const badLine = await owner.client.put<{ code: string; field: string }>(`/orgs/${organization.id}/alert-settings`, { lowBalanceCredits: -5 });
    expectStatus(badLine, 400);
    expect(badLine.body.field).toBe('lowBalanceCredits');
    expectStatus(await member.client.put(`/orgs/${organization.id}/alert-settings`, { lowBalanceCredits: 10 }), 403);
    const rotated = await owner.client.post<{ secret: string }>(`/orgs/${organization.id}/alert-settings/webhook-secret`, {});
    expectStatus(rotated, 201);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    // Removing the webhook URL, then rotating: nothing to rotate.
    expectStatus(await owner.client.put(`/orgs/${organization.id}/alert-settings`, { webhookUrl: null }), 200);
    expectStatus(await owner.client.post(`/orgs/${organization.id}/alert-settings/webhook-secret`, {}), 409);
    const outsider = await signedUp(server, 'alert-outsider');
    expectStatus(await outsider.client.get(`/orgs/${organization.id}/notifications`), 404);
  });

  it('fires a threshold when a manager lowers the limit under what was already used', async () => {
    const cut = await addMember(server, owner.client, organization.id, 'member', 'alert-cut');
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${cut.userId}/budget`, { limitCredits: 1_000, period: 'month', alertThresholdsPercent: [75] }),
      200,
    );
    await submitTogether(cut, 1, 'before the cut');
    expect((await notifications(cut)).notifications).toEqual([]);
    // 10 used of 1,000 is 1%; of 12 it is 83%: the 75% line is crossed by the change alone.
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${cut.userId}/budget`, { limitCredits: 12, period: 'month', alertThresholdsPercent: [75] }),
      200,
    );
    await settle();
    const after = (await notifications(cut)).notifications;
    expect(after.map((notification) => notification.kind)).toEqual(['budget_threshold']);
    expect(after[0]?.data).toMatchObject({ thresholdPercent: 75, limitCredits: 12 });
  });

  it('fires a threshold when a member who spent without a limit is given one under what was used', async () => {
    // Spending without a limit evaluates nothing (the hold says there is no limit); the new limit is evaluated on its own.
    const free = await addMember(server, owner.client, organization.id, 'member', 'alert-unlimited');
    await submitTogether(free, 2, 'no limit yet');
    await settle();
    expect((await notifications(free)).notifications).toEqual([]);
    expectStatus(
      await owner.client.put(`/orgs/${organization.id}/members/${free.userId}/budget`, { limitCredits: 25, period: 'month', alertThresholdsPercent: [50, 75] }),
      200,
    );
    await settle();
    // 20 used of 25 is 80%: both lines are crossed by the new limit alone.
    const after = (await notifications(free)).notifications;
    expect(after.map((notification) => notification.kind)).toEqual(['budget_threshold', 'budget_threshold']);
    expect(after.map((notification) => notification.data.thresholdPercent).sort()).toEqual([50, 75]);
  });
});

describe('alert webhooks and private addresses (the default)', () => {
  let server: TestApp;
  beforeAll(async () => {
    server = await startTestApp({ ALERT_WEBHOOK_RETRY_BASE_MS: '50' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a webhook URL on a private or local address, and never calls one that turns private later', async () => {
    const owner = await signedUp(server, 'ssrf-owner');
    const created = await owner.client.post<OrganizationView>('/orgs', { name: 'Careful Co' });
    expectStatus(created, 201);
    const organizationId = created.body.id;
    for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/x', 'http://[::1]:9000/x', 'http://[::ffff:192.168.0.1]/x']) {
      const refused = await owner.client.put<{ code: string; field: string; message: string }>(`/orgs/${organizationId}/alert-settings`, { webhookUrl: url });
      expect(refused.status, url).toBe(400);
      expect(refused.body).toMatchObject({ code: 'invalid_request', field: 'webhookUrl' });
    }

    // A name that resolved publicly when it was set and privately now (DNS rebinding): the
    // delivery checks the address it connects to, sends nothing, and does not retry.
    const receiver = await webhookReceiver([200]);
    try {
      const pool = server.app.get(PostgresPoolRepository).pool;
      await pool.query(
        `insert into alert_settings (organization_id, low_balance_credits, webhook_url, webhook_secret) values ($1, 1000, $2, 'whsec_test')`,
        [organizationId, receiver.url.replace('127.0.0.1', 'localhost')],
      );
      await server.grantCredits(organizationId, 50);
      await server.app.get(AlertEvaluatorService).evaluatePool(organizationId);
      const attempts = await eventually(async () => {
        const log = await owner.client.get<WebhookAttemptList>(`/orgs/${organizationId}/alert-settings/webhook-attempts`);
        return log.body.attempts.length > 0 ? log.body.attempts : undefined;
      }, 'the refused attempt');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'abandoned', statusCode: null, nextAttemptAt: null });
      expect(attempts[0]?.error).toMatch(/private or local address/);
      expect(receiver.received).toEqual([]);
    } finally {
      receiver.server.close();
    }
  });
});
