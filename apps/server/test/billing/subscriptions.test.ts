import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationPage, PortalSessionView, SubscriptionChangeView, SubscriptionView } from '@atelier/contracts';
import { expectStatus } from '../world.js';
import { billingStatus, deliverAll, eventually, pool, sql, startBillingApp, team, type BillingWorld, type Team } from './billing-world.js';

type Event = Record<string, unknown>;

describe('subscriptions', () => {
  let world: BillingWorld;
  beforeAll(async () => {
    world = await startBillingApp();
  });
  afterAll(async () => {
    await world.close();
  });

  async function subscribe(studio: Team, tier: 'basic' | 'pro' | 'enterprise'): Promise<{ subscriptionId: string; events: Event[] }> {
    const response = await studio.owner.client.post<SubscriptionChangeView>(`/orgs/${studio.organizationId}/billing/subscription`, { tier });
    expectStatus(response, 200);
    if (response.body.action !== 'checkout') throw new Error(`expected a checkout, got ${JSON.stringify(response.body)}`);
    const events = world.stripe.completeCheckout(response.body.sessionId);
    const subscriptionId = world.stripe.sessions.get(response.body.sessionId)?.subscription as string;
    return { subscriptionId, events };
  }

  async function subscriptionCredits(organizationId: string): Promise<number> {
    const rows = await sql<{ total: string }>(
      world.server,
      `select coalesce(sum(remaining_credits), 0)::text as total from ledger.grants where org_id = $1 and source = 'subscription'`,
      [organizationId],
    );
    return Number(rows[0]?.total ?? 0);
  }

  it('ends in the right state whatever order, repeats and staleness the events arrive with', async () => {
    const studio = await team(world.server, 'ordering');
    const { subscriptionId, events } = await subscribe(studio, 'basic');
    const [completed, created, firstInvoice] = events as [Event, Event, Event];
    // The invoice first, then the subscription, then the checkout: the reverse of Stripe's order.
    await deliverAll(world, [firstInvoice, created, completed]);
    let status = await billingStatus(studio);
    expect(status.tier).toBe('basic');
    expect(status.subscription).toMatchObject({ tier: 'basic', status: 'active', cancelAtPeriodEnd: false, pastDue: false });
    expect(await subscriptionCredits(studio.organizationId)).toBe(3_000);

    // Upgrade (prorated invoice paid now), then cancel at period end.
    const upgraded = await studio.owner.client.post<SubscriptionChangeView>(`/orgs/${studio.organizationId}/billing/subscription`, { tier: 'pro' });
    expectStatus(upgraded, 200);
    expect(upgraded.body).toMatchObject({ action: 'updated', subscription: { tier: 'pro', status: 'active' } });
    const cancelled = await studio.owner.client.post<SubscriptionView>(`/orgs/${studio.organizationId}/billing/subscription/cancel`, {});
    expectStatus(cancelled, 200);
    expect(cancelled.body).toMatchObject({ tier: 'pro', cancelAtPeriodEnd: true });

    // Stripe's events of those changes, newest first, then old snapshots again (late retries).
    const later = world.stripe.outbox.splice(0);
    expect(later.map((event) => event.type)).toEqual(['invoice.paid', 'customer.subscription.updated', 'customer.subscription.updated']);
    await deliverAll(world, [...later].reverse());
    await deliverAll(world, [created, firstInvoice]);
    await Promise.all([created, ...later].map((event) => world.stripe.deliver(world.server.url, event)));

    status = await billingStatus(studio);
    expect(status.subscription).toMatchObject({ tier: 'pro', status: 'active', cancelAtPeriodEnd: true });
    // Basic's 3,000 for this period, then Pro's 12,000 less what the period already got: 12,000 in all.
    expect(await subscriptionCredits(studio.organizationId)).toBe(12_000);
    expect(status.payments.filter((payment) => payment.kind === 'subscription').map((payment) => payment.credits).sort((a, b) => a - b)).toEqual([3_000, 9_000]);

    // The subscription ends; an older "updated" arriving after the "deleted" does not revive it.
    const ended = world.stripe.endSubscription(subscriptionId);
    await deliverAll(world, ended);
    await deliverAll(world, [later[1] as Event, created]);
    status = await billingStatus(studio);
    expect(status.tier).toBe('free');
    expect(status.subscription).toMatchObject({ status: 'canceled' });
  });

  it('downgrades without new credits, goes past due on a failed payment (owners are told), and recovers on the next paid invoice', async () => {
    const studio = await team(world.server, 'pastdue');
    const { subscriptionId, events } = await subscribe(studio, 'pro');
    await deliverAll(world, events);
    expect(await subscriptionCredits(studio.organizationId)).toBe(12_000);

    const downgraded = await studio.owner.client.post<SubscriptionChangeView>(`/orgs/${studio.organizationId}/billing/subscription`, { tier: 'basic' });
    expect(downgraded.body).toMatchObject({ action: 'updated', subscription: { tier: 'basic' } });
    const again = await studio.owner.client.post(`/orgs/${studio.organizationId}/billing/subscription`, { tier: 'basic' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'already_on_tier' });
    const downgradeEvents = world.stripe.outbox.splice(0);
    expect(downgradeEvents.map((event) => event.type)).toEqual(['customer.subscription.updated']);
    await deliverAll(world, downgradeEvents);
    expect(await subscriptionCredits(studio.organizationId)).toBe(12_000);

    await deliverAll(world, world.stripe.failRenewal(subscriptionId));
    const pastDue = await billingStatus(studio);
    expect(pastDue.subscription).toMatchObject({ status: 'past_due', pastDue: true, tier: 'basic' });
    const notifications = await eventually(
      async () => (await studio.owner.client.get<NotificationPage>(`/orgs/${studio.organizationId}/notifications`)).body,
      (page) => page.notifications.some((notification) => notification.kind === 'payment_failed'),
    );
    expect(notifications.notifications.find((notification) => notification.kind === 'payment_failed')?.message).toMatch(/past due/);
    const memberSees = await studio.member.client.get<NotificationPage>(`/orgs/${studio.organizationId}/notifications`);
    expect(memberSees.body.notifications.filter((notification) => notification.kind === 'payment_failed')).toEqual([]);

    const before = await pool(studio);
    await deliverAll(world, world.stripe.renew(subscriptionId));
    const recovered = await billingStatus(studio);
    expect(recovered.subscription).toMatchObject({ status: 'active', pastDue: false, tier: 'basic' });
    // The new period's Basic allocation, expiring at its end.
    expect((await pool(studio)).availableCredits - before.availableCredits).toBe(3_000);
    const expiry = await sql<{ expires_at: Date }>(
      world.server,
      `select expires_at from ledger.grants where org_id = $1 and source = 'subscription' order by grant_id desc limit 1`,
      [studio.organizationId],
    );
    expect(expiry[0]?.expires_at.toISOString()).toBe(recovered.subscription?.currentPeriodEnd);
  });

  it('carries unspent credits into the next period up to the tier cap', async () => {
    const studio = await team(world.server, 'rollover');
    const { subscriptionId, events } = await subscribe(studio, 'pro');
    await deliverAll(world, events);
    // Nothing spent: 12,000 unspent, Pro carries at most 6,000 into the new period. (The renewal
    // came before the old period ended: the other 6,000 stay until then, and expire.)
    await deliverAll(world, world.stripe.renew(subscriptionId));
    const status = await billingStatus(studio);
    const grants = await sql<{ amount_credits: string; remaining_credits: string; expires_at: Date }>(
      world.server,
      `select amount_credits::text, remaining_credits::text, expires_at from ledger.grants where org_id = $1 and source = 'subscription' order by grant_id`,
      [studio.organizationId],
    );
    expect(grants.map((grant) => [grant.amount_credits, grant.remaining_credits])).toEqual([
      ['12000', '6000'],
      ['12000', '12000'],
      ['6000', '6000'],
    ]);
    expect(grants[1]?.expires_at.toISOString()).toBe(status.subscription?.currentPeriodEnd);
    expect(grants[2]?.expires_at.toISOString()).toBe(status.subscription?.currentPeriodEnd);
    expect(grants[0]?.expires_at.getTime()).toBeLessThan(grants[1]?.expires_at.getTime() ?? 0);
  });

  it("links to Stripe's customer portal, and cancel without a subscription is a 409", async () => {
    const studio = await team(world.server, 'portal');
    const portal = await studio.owner.client.post<PortalSessionView>(`/orgs/${studio.organizationId}/billing/portal`, { returnPath: '/settings/billing' });
    expectStatus(portal, 200);
    expect(portal.body.url).toMatch(/^https:\/\/billing\.stripe\.test\/session\/cus_/);
    const portalRequest = world.stripe.requests.findLast((request) => request.path === '/v1/billing_portal/sessions');
    expect(decodeURIComponent(portalRequest?.body.toString() ?? '')).toMatch(/return_url=http:\/\/[^&]+\/settings\/billing(&|$)/);
    const cancel = await studio.owner.client.post(`/orgs/${studio.organizationId}/billing/subscription/cancel`, {});
    expect(cancel.status).toBe(409);
    expect(cancel.body).toMatchObject({ code: 'no_subscription' });
  });
});
