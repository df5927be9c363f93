import { ledgerOf } from '../ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import type { BillingStatus } from '@atelier/contracts';
import { connect } from '../realtime/sockets.js';
import { cookieOf } from '../realtime/sockets.js';
import { expectStatus } from '../world.js';
import { billingStatus, deliverAll, payForPackage, pool, sql, startBillingApp, team, type BillingWorld } from './billing-world.js';

describe('Stripe webhooks: packages', () => {
  let world: BillingWorld;
  beforeAll(async () => {
    world = await startBillingApp();
  });
  afterAll(async () => {
    await world.close();
  });

  it('credits a purchase once when its event is delivered 20 times at once, and the owner sees the balance at once', async () => {
    const studio = await team(world.server, 'twenty');
    const socket = await connect(world.server.url, { cookie: cookieOf(studio.owner.client) });
    try {
      const subscribed = await socket.subscribe(studio.organizationId);
      expect(subscribed.ok).toBe(true);
      const before = await pool(studio);
      const { session, events } = await payForPackage(world, studio, 'standard');
      expect(session.url).toMatch(/^https:\/\/checkout\.stripe\.test\//);
      const [completed] = events;
      if (completed === undefined) throw new Error('no checkout event');

      const deliveries = await Promise.all(Array.from({ length: 20 }, () => world.stripe.deliver(world.server.url, completed)));
      expect(deliveries.map((delivery) => delivery.status)).toEqual(Array.from({ length: 20 }, () => 200));
      const outcomes = deliveries.map((delivery) => (delivery.body as { outcome: string }).outcome).sort();
      expect(outcomes.filter((outcome) => outcome === 'processed')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(19);

      const after = await pool(studio);
      expect(after.availableCredits - before.availableCredits).toBe(5_000);
      const live = await socket.waitFor('balance', (event) => event.organizationId === studio.organizationId && event.availableCredits === after.availableCredits);
      expect(live.availableCredits).toBe(before.availableCredits + 5_000);

      // Later redeliveries (Stripe retries for days) change nothing either.
      expectStatus(await world.stripe.deliver(world.server.url, completed), 200);
      expect((await pool(studio)).availableCredits).toBe(after.availableCredits);

      const status = await billingStatus(studio);
      expect(status.payments[0]).toMatchObject({ kind: 'package', item: 'standard', status: 'paid', credits: 5_000, amountCents: 4_500 });
      expect(status.hasPaymentMethod).toBe(true);
      const grants = await sql<{ count: string }>(world.server, `select count(*) from ledger.grants where org_id = $1 and source = 'purchase'`, [studio.organizationId]);
      expect(grants[0]?.count).toBe('1');
      const audit = await ledgerOf(world.server.app).checkInvariants(studio.organizationId);
      expect(audit.violations).toEqual([]);
    } finally {
      socket.close();
    }
  });

  it('rejects a bad signature with 400 and changes nothing', async () => {
    const studio = await team(world.server, 'forged');
    const before = await pool(studio);
    const { events } = await payForPackage(world, studio, 'bulk');
    const [completed] = events;
    if (completed === undefined) throw new Error('no checkout event');
    const payload = JSON.stringify(completed);
    const signer = new Stripe('sk_test_other');
    const wrongSecret = signer.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' });
    const otherPayload = signer.webhooks.generateTestHeaderString({ payload: payload.replace('"paid"', '"unpaid"'), secret: world.stripe.webhookSecret });
    const stale = signer.webhooks.generateTestHeaderString({ payload, secret: world.stripe.webhookSecret, timestamp: Math.floor(Date.now() / 1000) - 3_600 });

    for (const signature of [wrongSecret, otherPayload, stale, 'garbage', '']) {
      const response = await world.stripe.deliver(world.server.url, completed, signature);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'invalid_signature' });
    }
    expect((await pool(studio)).availableCredits).toBe(before.availableCredits);
    expect((await billingStatus(studio)).payments[0]).toMatchObject({ status: 'pending', item: 'bulk' });
    const recorded = await sql(world.server, 'select 1 from billing_events where id = $1', [completed.id]);
    expect(recorded).toEqual([]);

    // The genuine delivery still works afterwards.
    await deliverAll(world, [completed]);
    expect((await pool(studio)).availableCredits).toBe(before.availableCredits + 25_000);
  });

  it('acknowledges and ignores events it does not handle', async () => {
    const response = await world.stripe.deliver(world.server.url, world.stripe.event('customer.tax_id.created', { id: 'txi_1', object: 'tax_id' }));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true, outcome: 'ignored' });
    const again = await world.stripe.deliver(world.server.url, world.stripe.event('product.updated', { id: 'prod_1', object: 'product' }));
    expect(again.body).toMatchObject({ outcome: 'ignored' });
  });

  it('answers billing pages for owners and managers only; purchases for owners only', async () => {
    const studio = await team(world.server, 'roles');
    const asMember = await studio.member.client.get(`/orgs/${studio.organizationId}/billing`);
    expect(asMember.status).toBe(403);
    const buy = await studio.member.client.post(`/orgs/${studio.organizationId}/billing/checkout`, { packageId: 'starter' });
    expect(buy.status).toBe(403);
    const status: BillingStatus = await billingStatus(studio);
    expect(status).toMatchObject({ configured: true, tier: 'free', subscription: null, deficit: { credits: 0, since: null }, hasPaymentMethod: false });
    expect(status.packages.map((item) => item.id)).toEqual(['starter', 'standard', 'bulk']);
  });
});
