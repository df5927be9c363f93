import { ledgerOf } from '../ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView, NotificationPage, SubmittedJobView, SubscriptionChangeView } from '@atelier/contracts';
import { ClockRepository } from '../../src/repositories/clock.repository.js';
import { expectStatus } from '../world.js';
import { billingStatus, buyPackage, deliverAll, eventually, pool, startBillingApp, team, type BillingWorld, type Team } from './billing-world.js';

/**
 * The stories of issue #15, each as Stripe delivers it to the webhook (through the Stripe fake):
 * refunds, disputes, upgrades, renewals, held credits and stale failures, each ending in exactly
 * the credits, deficit, status and alerts the whole payment state calls for.
 */

type Event = Record<string, unknown>;
const DAY_SECONDS = 86_400;

class MovableClock extends ClockRepository {
  offsetMs = 0;
  override now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const job = { request: { operation: 'text-to-image', model: 'flux-schnell', width: 1024, height: 1024, steps: 4, variations: 4 }, prompt: 'a held job' };

describe('billing stories (issue #15)', () => {
  let world: BillingWorld;
  const clock = new MovableClock();
  beforeAll(async () => {
    // Jobs stay queued (no worker here): their credits stay held until cancelled.
    world = await startBillingApp({ RUN_WORKERS: 'false' }, [{ provide: ClockRepository, useValue: clock }]);
  });
  afterAll(async () => {
    await world.close();
  });

  const ledger = () => ledgerOf(world.server.app);

  function paymentIntentOf(studio: Team, item: string): string {
    const session = [...world.stripe.sessions.values()].findLast(
      (candidate) => (candidate.metadata as Record<string, string>).organizationId === studio.organizationId && (candidate.metadata as Record<string, string>).packageId === item,
    );
    if (typeof session?.payment_intent !== 'string') throw new Error('no paid session');
    return session.payment_intent;
  }

  /** Spends exactly `credits` from the pool (a job's hold, captured in full). */
  async function spend(studio: Team, credits: number): Promise<void> {
    const holdId = crypto.randomUUID();
    const held = await ledger().hold({ holdId, orgId: studio.organizationId, memberId: studio.owner.userId, amountCredits: BigInt(credits), ttlMs: 3_600_000, actorId: studio.owner.userId });
    expect(held.ok).toBe(true);
    expect((await ledger().capture({ holdId, amountCredits: BigInt(credits) })).ok).toBe(true);
  }

  async function audited(studio: Team): Promise<void> {
    expect((await ledger().checkInvariants(studio.organizationId)).violations).toEqual([]);
  }

  async function notifications(studio: Team): Promise<NotificationPage['notifications']> {
    return (await studio.owner.client.get<NotificationPage>(`/orgs/${studio.organizationId}/notifications`)).body.notifications;
  }

  async function subscribe(studio: Team, tier: 'basic' | 'pro' | 'enterprise'): Promise<string> {
    const response = await studio.owner.client.post<SubscriptionChangeView>(`/orgs/${studio.organizationId}/billing/subscription`, { tier });
    expectStatus(response, 200);
    if (response.body.action !== 'checkout') throw new Error(`expected a checkout, got ${JSON.stringify(response.body)}`);
    await deliverAll(world, world.stripe.completeCheckout(response.body.sessionId));
    return world.stripe.sessions.get(response.body.sessionId)?.subscription as string;
  }

  async function changeTier(studio: Team, tier: 'basic' | 'pro' | 'enterprise'): Promise<Event[]> {
    const response = await studio.owner.client.post<SubscriptionChangeView>(`/orgs/${studio.organizationId}/billing/subscription`, { tier });
    expectStatus(response, 200);
    const events = world.stripe.outbox.splice(0);
    await deliverAll(world, events);
    return events;
  }

  it('a fully refunded payment stays refunded after a won dispute', async () => {
    const studio = await team(world.server, 'story-refund-won');
    await buyPackage(world, studio, 'standard');
    await deliverAll(world, world.stripe.refund(paymentIntentOf(studio, 'standard'), 4_500));
    expect((await pool(studio)).availableCredits).toBe(0);
    const [created] = world.stripe.dispute(paymentIntentOf(studio, 'standard'), 4_500) as [Event];
    await deliverAll(world, [created]);
    await deliverAll(world, world.stripe.closeDispute((created.data as { object: Event }).object, 'won'));
    expect((await pool(studio)).availableCredits).toBe(0);
    expect((await billingStatus(studio)).payments[0]).toMatchObject({ status: 'refunded', clawedBackCredits: 5_000 });
    await audited(studio);
  });

  it('a partial refund plus a lost dispute of the rest leaves nothing, in either order', async () => {
    for (const refundFirst of [true, false]) {
      const studio = await team(world.server, `story-half-half-${String(refundFirst)}`);
      await buyPackage(world, studio, 'standard');
      const intent = paymentIntentOf(studio, 'standard');
      const refund = (): Event[] => world.stripe.refund(intent, 2_250);
      const dispute = (): Event[] => {
        const [created] = world.stripe.dispute(intent, 2_250) as [Event];
        return [created, ...world.stripe.closeDispute((created.data as { object: Event }).object, 'lost')];
      };
      const events = refundFirst ? [...refund(), ...dispute()] : [...dispute(), ...refund()];
      await deliverAll(world, events);
      expect((await pool(studio)).availableCredits).toBe(0);
      expect((await billingStatus(studio)).deficit.credits).toBe(0);
      await audited(studio);
    }
  });

  it('a refund after a won dispute takes the credits and owes what was spent', async () => {
    const studio = await team(world.server, 'story-won-then-refund');
    await buyPackage(world, studio, 'starter');
    await spend(studio, 400);
    const [created] = world.stripe.dispute(paymentIntentOf(studio, 'starter'), 1_000) as [Event];
    await deliverAll(world, [created, ...world.stripe.closeDispute((created.data as { object: Event }).object, 'won')]);
    expect((await pool(studio)).availableCredits).toBe(600);
    expect((await billingStatus(studio)).deficit.credits).toBe(0);
    await deliverAll(world, world.stripe.refund(paymentIntentOf(studio, 'starter'), 1_000));
    expect((await pool(studio)).availableCredits).toBe(0);
    const status = await billingStatus(studio);
    expect(status.deficit.credits).toBe(400);
    expect(status.payments[0]).toMatchObject({ status: 'refunded', clawedBackCredits: 1_000 });
    await audited(studio);
  });

  it('"dispute closed (won)" delivered before "dispute created" takes nothing', async () => {
    const studio = await team(world.server, 'story-won-first');
    await buyPackage(world, studio, 'starter');
    await spend(studio, 400);
    const [created] = world.stripe.dispute(paymentIntentOf(studio, 'starter'), 1_000) as [Event];
    const closed = world.stripe.closeDispute((created.data as { object: Event }).object, 'won');
    await deliverAll(world, [...closed, created]);
    expect((await pool(studio)).availableCredits).toBe(600);
    expect((await billingStatus(studio)).deficit.credits).toBe(0);
    expect((await billingStatus(studio)).payments[0]).toMatchObject({ status: 'paid', clawedBackCredits: 0 });
    const submitted = await studio.member.client.post(`/orgs/${studio.organizationId}/jobs`, job);
    expect(submitted.status).toBe(201);
    await audited(studio);
  });

  it('an upgrade grants the credits of the part of the period that is left', async () => {
    const half = await team(world.server, 'story-upgrade-half');
    const halfSubscription = await subscribe(half, 'basic');
    world.stripe.age(halfSubscription, 15 * DAY_SECONDS);
    const before = (await pool(half)).availableCredits;
    const [invoicePaid] = await changeTier(half, 'pro');
    expect(((invoicePaid?.data as { object: Event }).object).amount_paid).toBe(3_500);
    expect((await pool(half)).availableCredits - before).toBe(4_500);

    const lastDay = await team(world.server, 'story-upgrade-last-day');
    const lastDaySubscription = await subscribe(lastDay, 'basic');
    world.stripe.age(lastDaySubscription, 29 * DAY_SECONDS);
    const beforeLast = (await pool(lastDay)).availableCredits;
    const [lastInvoice] = await changeTier(lastDay, 'enterprise');
    expect(((lastInvoice?.data as { object: Event }).object).amount_paid).toBe(1_400);
    expect((await pool(lastDay)).availableCredits - beforeLast).toBe(1_900);

    // A downgrade grants nothing and takes nothing.
    const beforeDown = (await pool(lastDay)).availableCredits;
    await changeTier(lastDay, 'basic');
    expect((await pool(lastDay)).availableCredits).toBe(beforeDown);
    await audited(half);
    await audited(lastDay);
  });

  it('a renewal after the period ended, before the sweeper ran, carries the unspent credits over', async () => {
    const studio = await team(world.server, 'story-late-renewal');
    const subscriptionId = await subscribe(studio, 'pro');
    expect((await pool(studio)).availableCredits).toBe(12_000);
    clock.offsetMs = (30 * DAY_SECONDS + 3_600) * 1_000; // the period is over; the expiry job has not run
    try {
      expect((await pool(studio)).availableCredits).toBe(0);
      await deliverAll(world, world.stripe.renew(subscriptionId));
      // Pro's 12,000 for the new period and 6,000 (the cap) carried from the last one.
      expect((await pool(studio)).availableCredits).toBe(18_000);
      await audited(studio);
    } finally {
      clock.offsetMs = 0;
    }
  });

  it('credits held by a queued job are not spent: a refund takes them when the job is cancelled, and owes nothing', async () => {
    const studio = await team(world.server, 'story-held');
    await buyPackage(world, studio, 'starter');
    const submitted = await studio.member.client.post<SubmittedJobView>(`/orgs/${studio.organizationId}/jobs`, job);
    expectStatus(submitted, 201);
    const held = submitted.body.job.priceCredits;
    expect(held).toBeGreaterThan(0);
    await deliverAll(world, world.stripe.refund(paymentIntentOf(studio, 'starter'), 1_000));
    let status = await billingStatus(studio);
    expect(status.deficit.credits).toBe(0);
    expect((await pool(studio)).availableCredits).toBe(0);
    const alert = (await eventually(() => notifications(studio), (list) => list.some((notification) => notification.kind === 'billing_deficit'))).find(
      (notification) => notification.kind === 'billing_deficit',
    );
    expect(alert?.message).toContain(`${String(held)} are held by jobs still running`);
    expect(alert?.message).toContain('0 already spent');

    const cancelled = await studio.member.client.post<JobView>(`/orgs/${studio.organizationId}/jobs/${submitted.body.job.id}/cancel`, {});
    expectStatus(cancelled, 200);
    const after = await pool(studio);
    expect(after).toMatchObject({ availableCredits: 0, postedCredits: 0, pendingCredits: 0 });
    status = await billingStatus(studio);
    expect(status.deficit.credits).toBe(0);
    const refused = await studio.member.client.post(`/orgs/${studio.organizationId}/jobs`, job);
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ code: 'insufficient_credits' });
    await audited(studio);
  });

  it('a stale "invoice.payment_failed" after the renewal alerts no one and leaves the state active', async () => {
    const studio = await team(world.server, 'story-stale-failure');
    const subscriptionId = await subscribe(studio, 'basic');
    const failure = world.stripe.failRenewal(subscriptionId);
    await deliverAll(world, world.stripe.renew(subscriptionId));
    await deliverAll(world, failure);
    const status = await billingStatus(studio);
    expect(status.subscription).toMatchObject({ status: 'active', pastDue: false });
    await new Promise((resolve) => setTimeout(resolve, 300)); // alerts are delivered asynchronously
    expect((await notifications(studio)).filter((notification) => notification.kind === 'payment_failed')).toEqual([]);
  });

  it('two partial refunds delivered in reverse order leave the payment fully refunded', async () => {
    const studio = await team(world.server, 'story-reverse-refunds');
    await buyPackage(world, studio, 'standard');
    const first = world.stripe.refund(paymentIntentOf(studio, 'standard'), 2_000);
    const second = world.stripe.refund(paymentIntentOf(studio, 'standard'), 2_500);
    await deliverAll(world, [...second, ...first]);
    expect((await billingStatus(studio)).payments[0]).toMatchObject({ status: 'refunded', clawedBackCredits: 5_000 });
    expect((await pool(studio)).availableCredits).toBe(0);
    await audited(studio);
  });
});
