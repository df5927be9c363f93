import { describe, expect, it } from 'vitest';
import { creditPackages, creditPackageView, subscriptionTiers, tierLookupKey, tierOfLookupKey } from '../../src/billing/catalog.js';
import { operationIdOf } from '../../src/billing/credits.service.js';
import { stripeHostOptions } from '../../src/billing/stripe.repository.js';

describe('the billing catalog', () => {
  it('sells bigger packages at a better price per credit', () => {
    const perThousand = creditPackages.map((item) => creditPackageView(item).centsPerThousandCredits);
    expect(perThousand).toEqual([...perThousand].sort((a, b) => b - a));
    expect(new Set(perThousand).size).toBe(perThousand.length);
  });

  it('has Free, Basic, Pro and Enterprise with growing allocations, and round-trips tier lookup keys', () => {
    expect(subscriptionTiers.map((tier) => tier.id)).toEqual(['free', 'basic', 'pro', 'enterprise']);
    const allocations = subscriptionTiers.map((tier) => tier.monthlyCredits);
    expect(allocations).toEqual([...allocations].sort((a, b) => a - b));
    for (const tier of ['basic', 'pro', 'enterprise'] as const) expect(tierOfLookupKey(tierLookupKey(tier))).toBe(tier);
    expect(tierOfLookupKey('someone_elses_price')).toBeUndefined();
  });

  it('maps a Stripe object to one stable ledger operation id', () => {
    expect(operationIdOf('checkout:cs_1')).toBe(operationIdOf('checkout:cs_1'));
    expect(operationIdOf('checkout:cs_1')).not.toBe(operationIdOf('checkout:cs_2'));
    expect(operationIdOf('invoice:in_1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("points the SDK at STRIPE_API_URL's host, port and protocol, and at Stripe itself without it", () => {
    expect(stripeHostOptions('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(stripeHostOptions('https://stripe-proxy.internal')).toEqual({ host: 'stripe-proxy.internal', port: 443, protocol: 'https' });
    expect(stripeHostOptions(undefined)).toEqual({});
  });
});
