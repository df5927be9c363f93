import { ledgerOf } from '../ledger-of.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Stripe from 'stripe';
import { startBillingApp, team, type BillingWorld } from '../billing/billing-world.js';

const signer = new Stripe('sk_test_signer');

describe('the Stripe webhook acknowledges a validly signed event it cannot use, never a 500', () => {
  let world: BillingWorld;
  let organizationId: string;

  beforeAll(async () => {
    world = await startBillingApp();
    organizationId = (await team(world.server, 'webhook-malformed')).organizationId;
  });
  afterAll(async () => {
    await world.close();
  });

  async function deliverRaw(payload: string): Promise<{ status: number; body: unknown }> {
    const header = signer.webhooks.generateTestHeaderString({ payload, secret: world.stripe.webhookSecret });
    const response = await fetch(`${world.server.url}/api/billing/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header },
      body: payload,
    });
    const body: unknown = await response.json();
    return { status: response.status, body };
  }

  const session = (metadata: Record<string, unknown>): Record<string, unknown> => ({
    id: `cs_test_${crypto.randomUUID()}`,
    object: 'checkout.session',
    mode: 'payment',
    payment_status: 'paid',
    metadata,
    payment_intent: 'pi_test_x',
  });
  const event = (fields: Record<string, unknown>): Record<string, unknown> => ({
    id: `evt_${crypto.randomUUID()}`,
    object: 'event',
    type: 'checkout.session.completed',
    created: Math.floor(Date.now() / 1000),
    data: { object: session({ organizationId, packageId: 'starter' }) },
    ...fields,
  });

  it.each([
    ['an array', []],
    ['an event without a type', event({ type: undefined })],
    ['an event without an id', event({ id: undefined })],
    ['an event whose id is a number', event({ id: 42 })],
    ['an event without data', event({ data: undefined })],
    ['an event whose data is a string', event({ data: 'hello' })],
    ['an event whose data.object is null', event({ data: { object: null } })],
    ['an event created at a time no date holds', event({ created: 1e20 })],
    ['an event created as text', event({ created: 'yesterday' })],
  ])('acknowledges %s with 200 and ignores it', async (_label, payload) => {
    const response = await deliverRaw(JSON.stringify(payload));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true, outcome: 'ignored' });
  });

  it.each([
    ['a checkout whose organizationId is not a UUID', event({ data: { object: session({ organizationId: 'not-a-uuid', packageId: 'starter' }) } })],
    ['a checkout whose metadata is a string', event({ data: { object: { ...session({}), metadata: 'nope' } } })],
    ['an invoice of the wrong shape', event({ type: 'invoice.paid', data: { object: { lines: 'x', subscription: { nested: true } } } })],
    ['a refund of a charge that is not ours', event({ type: 'charge.refunded', data: { object: { id: 42, amount: 'lots', payment_intent: ['x'] } } })],
    ['a dispute of the wrong shape', event({ type: 'charge.dispute.created', data: { object: { charge: { id: null }, amount: -1 } } })],
    ['a subscription change of the wrong shape', event({ type: 'customer.subscription.updated', data: { object: { id: { not: 'a string' }, metadata: 7 } } })],
  ])('acknowledges %s with 200 and grants nothing', async (_label, payload) => {
    const response = await deliverRaw(JSON.stringify(payload));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true });
    const pool = await ledgerOf(world.server.app).poolBalance(organizationId);
    expect(pool).toMatchObject({ ok: true, balance: { postedCredits: 0n } });
  });

  it('still refuses an unsigned event with 400', async () => {
    const response = await fetch(`${world.server.url}/api/billing/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: JSON.stringify(event({})),
    });
    expect(response.status).toBe(400);
  });
});
