import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/common/error.filter.js';
import type { AutoTopUpService } from '../../src/billing/auto-top-up.service.js';
import type { BillingAlerts } from '../../src/billing/billing-alerts.js';
import type { BillingRepository, PaymentRow } from '../../src/billing/billing.repository.js';
import type { CreditsService, PaidGrant } from '../../src/billing/credits.service.js';
import type { StripeEvent, StripeRepository } from '../../src/billing/stripe.repository.js';
import type { SubscriptionSyncService } from '../../src/billing/subscription-sync.service.js';
import { WebhookService } from '../../src/billing/webhook.service.js';
import type { ClockRepository } from '../../src/repositories/clock.repository.js';
import type { LedgerRepository } from '../../src/repositories/ledger.repository.js';

const ORG = '00000000-0000-4000-8000-0000000000b1';

/** The webhook over fakes: Stripe's signature check and reads, our billing rows and the credits granted. */
function webhook() {
  const events = new Map<string, string>();
  const payment = { id: '00000000-0000-4000-8000-0000000000b2', organizationId: ORG, kind: 'package', status: 'pending', item: 'starter', credits: 1_000, amountCents: 1_000 } as unknown as PaymentRow;
  const paid: string[] = [];
  const billing = {
    claimEvent: (event: { id: string }) => {
      const status = events.get(event.id);
      if (status !== undefined) return Promise.resolve({ claimed: false, status });
      events.set(event.id, 'processing');
      return Promise.resolve({ claimed: true });
    },
    finishEvent: (id: string, status: string) => {
      events.set(id, status);
      return Promise.resolve();
    },
    failEvent: (id: string) => {
      events.delete(id);
      return Promise.resolve();
    },
    paymentBy: (_column: string, value: string) => Promise.resolve(value === 'cs_test_1' ? payment : null),
    markPaid: (id: string) => {
      paid.push(id);
      return Promise.resolve(true);
    },
    setPaymentMethod: () => Promise.resolve(),
  };
  const grants: { key: string; credits: number }[] = [];
  const credits = {
    grant: (request: { key: string; credits: number }): Promise<PaidGrant> => {
      const replayed = grants.some((grant) => grant.key === request.key);
      if (!replayed) grants.push({ key: request.key, credits: request.credits });
      return Promise.resolve({ grantId: 1n, settledDeficitCredits: 0, replayed, balance: { organizationId: ORG, availableCredits: 1_000, pendingCredits: 0, postedCredits: 1_000, version: '2' } });
    },
  };
  const stripe = {
    configured: true,
    verifyEvent: (raw: Buffer, signature: string): StripeEvent => {
      if (signature !== 'good') throw new Error('No signatures found matching the expected signature for payload');
      return JSON.parse(raw.toString('utf8')) as StripeEvent;
    },
    retrieveCheckoutSession: () => Promise.resolve({ payment_intent: null }),
  };
  const service = new WebhookService(
    stripe as unknown as StripeRepository,
    billing as unknown as BillingRepository,
    credits as unknown as CreditsService,
    {} as SubscriptionSyncService,
    {} as AutoTopUpService,
    {} as BillingAlerts,
    {} as LedgerRepository,
    {} as ClockRepository,
  );
  return { service, grants, paid };
}

function event(id: string, type: string, object: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify({ id, type, created: 1_796_000_000, data: { object } }));
}

const paidCheckout = { id: 'cs_test_1', object: 'checkout.session', mode: 'payment', payment_status: 'paid', payment_intent: null, metadata: {} };

describe('WebhookService over fakes', () => {
  it("a paid checkout grants its package's credits once, however often Stripe delivers it", async () => {
    const { service, grants, paid } = webhook();
    expect(await service.receive(event('evt_1', 'checkout.session.completed', paidCheckout), 'good')).toBe('processed');
    expect(await service.receive(event('evt_1', 'checkout.session.completed', paidCheckout), 'good')).toBe('duplicate');
    // The same checkout in another event (async_payment_succeeded after completed): the grant is keyed by the session.
    expect(await service.receive(event('evt_2', 'checkout.session.async_payment_succeeded', paidCheckout), 'good')).toBe('processed');
    expect(grants).toEqual([{ key: 'checkout:cs_test_1', credits: 1_000 }]);
    expect(paid.length).toBeGreaterThan(0);
  });

  it('a checkout still unpaid grants nothing (its payment event follows)', async () => {
    const { service, grants } = webhook();
    expect(await service.receive(event('evt_3', 'checkout.session.completed', { ...paidCheckout, payment_status: 'unpaid' }), 'good')).toBe('processed');
    expect(grants).toEqual([]);
  });

  it('a bad signature is a 400 invalid_signature and changes nothing', async () => {
    const { service, grants } = webhook();
    const refused = await service.receive(event('evt_4', 'checkout.session.completed', paidCheckout), 'forged').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).getStatus()).toBe(400);
    expect((refused as ApiError).getResponse()).toMatchObject({ code: 'invalid_signature' });
    expect(grants).toEqual([]);
  });

  it('a signed but malformed envelope, and a type we do not act on, are acknowledged and ignored', async () => {
    const { service, grants } = webhook();
    expect(await service.receive(Buffer.from(JSON.stringify({ id: 'evt_5', type: 'checkout.session.completed' })), 'good')).toBe('ignored');
    expect(await service.receive(event('evt_6', 'customer.created', { id: 'cus_1' }), 'good')).toBe('ignored');
    expect(grants).toEqual([]);
  });
});
