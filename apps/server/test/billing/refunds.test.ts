import { ledgerOf } from '../ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationPage, PreflightView, SettleDeficitView } from '@atelier/contracts';
import { expectStatus, submitAndWait } from '../world.js';
import { billingStatus, buyPackage, deliverAll, eventually, pool, startBillingApp, team, type BillingWorld, type Team } from './billing-world.js';

const job = { request: { operation: 'text-to-image', model: 'flux-schnell', width: 1024, height: 1024, steps: 4, variations: 4 }, prompt: 'a refund test' };

describe('refunds and disputes', () => {
  let world: BillingWorld;
  beforeAll(async () => {
    world = await startBillingApp();
  });
  afterAll(async () => {
    await world.close();
  });

  function paymentIntentOf(studio: Team, item: string): string {
    const session = [...world.stripe.sessions.values()].findLast(
      (candidate) => (candidate.metadata as Record<string, string>).organizationId === studio.organizationId && (candidate.metadata as Record<string, string>).packageId === item,
    );
    if (typeof session?.payment_intent !== 'string') throw new Error('no paid session');
    return session.payment_intent;
  }

  async function spend(studio: Team): Promise<number> {
    const before = await pool(studio);
    const finished = await submitAndWait(studio.member.client, studio.organizationId, job);
    expect(finished.status).toBe('succeeded');
    const after = await pool(studio);
    return before.availableCredits - after.availableCredits;
  }

  it('takes back exactly the unspent part; what was spent becomes a deficit owners see, that blocks new jobs until settled', async () => {
    const studio = await team(world.server, 'refund');
    await buyPackage(world, studio, 'starter');
    const spent = await spend(studio);
    expect(spent).toBeGreaterThan(0);
    expect((await pool(studio)).availableCredits).toBe(1_000 - spent);

    const refund = world.stripe.refund(paymentIntentOf(studio, 'starter'), 1_000);
    await deliverAll(world, refund);
    await deliverAll(world, refund); // a repeated delivery takes nothing more

    const after = await pool(studio);
    expect(after.availableCredits).toBe(0);
    expect(after.postedCredits).toBe(0);
    const status = await billingStatus(studio);
    expect(status.deficit.credits).toBe(spent);
    expect(status.deficit.since).not.toBeNull();
    expect(status.payments[0]).toMatchObject({ status: 'refunded', clawedBackCredits: 1_000 });

    const refused = await studio.member.client.post(`/orgs/${studio.organizationId}/jobs`, job);
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ code: 'deficit_outstanding', deficitCredits: spent });
    const preflight = await studio.member.client.post<PreflightView>(`/orgs/${studio.organizationId}/preflight`, { request: job.request });
    expect(preflight.body.allowed).toBe(false);
    expect(preflight.body.reasons.map((reason) => reason.code)).toContain('deficit_outstanding');

    const alerts = await eventually(
      async () => (await studio.owner.client.get<NotificationPage>(`/orgs/${studio.organizationId}/notifications`)).body,
      (page) => page.notifications.some((notification) => notification.kind === 'billing_deficit'),
    );
    expect(alerts.notifications.find((notification) => notification.kind === 'billing_deficit')?.data).toMatchObject({ deficitCredits: spent });

    // Settling from an empty pool pays nothing; credits that arrive pay the deficit first.
    const settle = await studio.owner.client.post<SettleDeficitView>(`/orgs/${studio.organizationId}/billing/deficit/settle`, {});
    expectStatus(settle, 200);
    expect(settle.body).toMatchObject({ settledCredits: 0, deficit: { credits: spent } });
    await buyPackage(world, studio, 'standard');
    expect((await pool(studio)).availableCredits).toBe(5_000 - spent);
    expect((await billingStatus(studio)).deficit).toEqual({ credits: 0, since: null });
    expect((await studio.member.client.post(`/orgs/${studio.organizationId}/jobs`, job)).status).toBe(201);
    const audit = await ledgerOf(world.server.app).checkInvariants(studio.organizationId);
    expect(audit.violations).toEqual([]);
  });

  it('a partial refund takes back its share from unspent credits, with no deficit', async () => {
    const studio = await team(world.server, 'partial');
    await buyPackage(world, studio, 'standard');
    const spent = await spend(studio);
    await deliverAll(world, world.stripe.refund(paymentIntentOf(studio, 'standard'), 1_800)); // 40 % of 45.00
    expect((await pool(studio)).availableCredits).toBe(5_000 - spent - 2_000);
    const status = await billingStatus(studio);
    expect(status.deficit.credits).toBe(0);
    expect(status.payments[0]).toMatchObject({ status: 'partially_refunded', clawedBackCredits: 2_000 });
    // The rest refunded later: the whole grant is now covered, the spent part is owed.
    await deliverAll(world, world.stripe.refund(paymentIntentOf(studio, 'standard'), 2_700));
    expect((await pool(studio)).availableCredits).toBe(0);
    expect((await billingStatus(studio)).deficit.credits).toBe(spent);
  });

  it('a dispute claws back like a refund; other available credits pay the deficit at once', async () => {
    const studio = await team(world.server, 'dispute');
    await buyPackage(world, studio, 'starter');
    const spent = await spend(studio); // from the purchase, the only credits yet
    await world.server.grantCredits(studio.organizationId, 5_000);
    await deliverAll(world, world.stripe.dispute(paymentIntentOf(studio, 'starter'), 1_000));
    // The purchase's unspent 1,000 - spent go back; the spent part is owed and paid from the other credits.
    expect((await pool(studio)).availableCredits).toBe(5_000 - spent);
    const status = await billingStatus(studio);
    expect(status.payments[0]).toMatchObject({ status: 'disputed', clawedBackCredits: 1_000 });
    expect(status.deficit).toEqual({ credits: 0, since: null });
    expect((await studio.member.client.post(`/orgs/${studio.organizationId}/jobs`, job)).status).toBe(201);
  });

  it('a dispute won gives the credits back (paying the deficit first); a lost one changes nothing more', async () => {
    const studio = await team(world.server, 'dispute-won');
    await buyPackage(world, studio, 'starter');
    const spent = await spend(studio);
    const [created] = world.stripe.dispute(paymentIntentOf(studio, 'starter'), 1_000);
    if (created === undefined) throw new Error('no dispute event');
    await deliverAll(world, [created]);
    expect((await billingStatus(studio)).deficit.credits).toBe(spent);
    expect((await pool(studio)).availableCredits).toBe(0);
    const dispute = (created.data as { object: Record<string, unknown> }).object;
    const won = world.stripe.closeDispute(dispute, 'won');
    await deliverAll(world, won);
    await deliverAll(world, won); // delivered twice: given back once
    const status = await billingStatus(studio);
    expect(status.deficit.credits).toBe(0);
    expect(status.payments[0]).toMatchObject({ status: 'paid', clawedBackCredits: 0 });
    expect((await pool(studio)).availableCredits).toBe(1_000 - spent);
    expect((await studio.member.client.post(`/orgs/${studio.organizationId}/jobs`, job)).status).toBe(201);

    const other = await team(world.server, 'dispute-lost');
    await buyPackage(world, other, 'starter');
    const [lost] = world.stripe.dispute(paymentIntentOf(other, 'starter'), 1_000);
    if (lost === undefined) throw new Error('no dispute event');
    await deliverAll(world, [lost]);
    await deliverAll(world, world.stripe.closeDispute((lost.data as { object: Record<string, unknown> }).object, 'lost'));
    expect((await pool(other)).availableCredits).toBe(0);
    expect((await billingStatus(other)).payments[0]).toMatchObject({ status: 'disputed', clawedBackCredits: 1_000 });
  });
});
