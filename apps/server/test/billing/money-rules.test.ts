import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyPaymentEvent,
  carryOverCredits,
  clawedBackCredits,
  coveredCredits,
  keptCents,
  paymentStanding,
  prorationCredits,
  type PaymentEvent,
  type PaymentMoney,
} from '../../src/billing/money-rules.js';
import { creditPackages, subscriptionTiers } from '../../src/billing/catalog.js';

const purchase = fc.record({
  amountCents: fc.integer({ min: 1, max: 1_000_000 }),
  credits: fc.integer({ min: 0, max: 10_000_000 }),
});

const fresh = (bought: { amountCents: number; credits: number }): PaymentMoney => ({ ...bought, refundedCents: 0, disputes: [] });

/** A payment's events as Stripe would send them: refunds as running totals, each dispute created then closed or not. */
const paymentWithEvents = purchase.chain((bought) =>
  fc
    .record({
      refunds: fc.array(fc.integer({ min: 1, max: bought.amountCents }), { maxLength: 4 }),
      disputes: fc.array(fc.record({ amountCents: fc.integer({ min: 1, max: bought.amountCents }), closed: fc.constantFrom('open', 'won', 'lost' as const) }), { maxLength: 2 }),
    })
    .map(({ refunds, disputes }) => {
      const events: PaymentEvent[] = [];
      let total = 0;
      for (const refund of refunds) {
        total = Math.min(bought.amountCents, total + refund);
        events.push({ kind: 'refund', totalRefundedCents: total });
      }
      disputes.forEach((dispute, index) => {
        const id = `dp_${String(index)}`;
        events.push({ kind: 'dispute', id, amountCents: dispute.amountCents, outcome: 'open' });
        if (dispute.closed !== 'open') events.push({ kind: 'dispute', id, amountCents: dispute.amountCents, outcome: dispute.closed });
      });
      return { bought, events };
    }),
);

const fold = (bought: { amountCents: number; credits: number }, events: readonly PaymentEvent[]): PaymentMoney => events.reduce(applyPaymentEvent, fresh(bought));

describe('money rules', () => {
  it('never covers more than was bought, nor less than nothing', () => {
    fc.assert(
      fc.property(paymentWithEvents, ({ bought, events }) => {
        const covered = coveredCredits(fold(bought, events));
        expect(covered).toBeGreaterThanOrEqual(0);
        expect(covered).toBeLessThanOrEqual(bought.credits);
      }),
    );
  });

  it('is monotone in the money kept', () => {
    fc.assert(
      fc.property(purchase, fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), (bought, a, b) => {
        const [less, more] = a <= b ? [b, a] : [a, b]; // refunding more keeps less money
        const keptLess = { ...fresh(bought), refundedCents: Math.min(less, bought.amountCents) };
        const keptMore = { ...fresh(bought), refundedCents: Math.min(more, bought.amountCents) };
        expect(keptCents(keptLess)).toBeLessThanOrEqual(keptCents(keptMore));
        expect(coveredCredits(keptLess)).toBeLessThanOrEqual(coveredCredits(keptMore));
      }),
    );
  });

  it('partial refunds add up to a full one, and a full refund covers nothing', () => {
    fc.assert(
      fc.property(purchase.chain((bought) => fc.tuple(fc.constant(bought), fc.array(fc.integer({ min: 1, max: bought.amountCents }), { minLength: 1, maxLength: 5 }))), ([bought, parts]) => {
        const total = Math.min(bought.amountCents, parts.reduce((sum, part) => sum + part, 0));
        let running = 0;
        const stepwise = parts.reduce((payment, part) => {
          running = Math.min(bought.amountCents, running + part);
          return applyPaymentEvent(payment, { kind: 'refund', totalRefundedCents: running });
        }, fresh(bought));
        const atOnce = applyPaymentEvent(fresh(bought), { kind: 'refund', totalRefundedCents: total });
        expect(coveredCredits(stepwise)).toBe(coveredCredits(atOnce));
        expect(clawedBackCredits(applyPaymentEvent(fresh(bought), { kind: 'refund', totalRefundedCents: bought.amountCents }))).toBe(bought.credits);
      }),
    );
  });

  it('a won dispute restores exactly what the dispute took', () => {
    fc.assert(
      fc.property(paymentWithEvents, fc.integer({ min: 1, max: 1_000_000 }), ({ bought, events }, amount) => {
        const before = fold(bought, events);
        const opened = applyPaymentEvent(before, { kind: 'dispute', id: 'dp_new', amountCents: Math.min(amount, bought.amountCents), outcome: 'open' });
        const won = applyPaymentEvent(opened, { kind: 'dispute', id: 'dp_new', amountCents: Math.min(amount, bought.amountCents), outcome: 'won' });
        const took = coveredCredits(before) - coveredCredits(opened);
        expect(took).toBeGreaterThanOrEqual(0);
        expect(coveredCredits(won) - coveredCredits(opened)).toBe(took);
      }),
    );
  });

  it('any permutation and duplication of a payment’s events gives the same credits and status', () => {
    fc.assert(
      fc.property(
        paymentWithEvents.chain(({ bought, events }) =>
          fc.tuple(fc.constant(bought), fc.constant(events), fc.shuffledSubarray([...events, ...events], { minLength: events.length * 2, maxLength: events.length * 2 }), fc.array(fc.nat({ max: Math.max(0, events.length - 1) }), { maxLength: 3 })),
        ),
        ([bought, events, shuffled, repeats]) => {
          const delivered = [...shuffled, ...repeats.flatMap((index) => (events[index] === undefined ? [] : [events[index]]))];
          const inOrder = fold(bought, events);
          const anyOrder = fold(bought, delivered);
          expect(coveredCredits(anyOrder)).toBe(coveredCredits(inOrder));
          expect(paymentStanding(anyOrder)).toBe(paymentStanding(inOrder));
        },
      ),
    );
  });

  it('the stories of the issue', () => {
    const standard = creditPackages.find((item) => item.id === 'standard');
    const starter = creditPackages.find((item) => item.id === 'starter');
    if (standard === undefined || starter === undefined) throw new Error('catalog changed');
    const s = fresh({ amountCents: standard.priceCents, credits: standard.credits });
    // Fully refunded, then a dispute won: nothing comes back.
    expect(coveredCredits(fold(s, [{ kind: 'refund', totalRefundedCents: 4_500 }, { kind: 'dispute', id: 'd', amountCents: 4_500, outcome: 'open' }, { kind: 'dispute', id: 'd', amountCents: 4_500, outcome: 'won' }]))).toBe(0);
    // Half refunded and half lost in a dispute: nothing left, whichever comes first.
    const half: PaymentEvent[] = [{ kind: 'refund', totalRefundedCents: 2_250 }, { kind: 'dispute', id: 'd', amountCents: 2_250, outcome: 'lost' }];
    expect(coveredCredits(fold(s, half))).toBe(0);
    expect(coveredCredits(fold(s, [...half].reverse()))).toBe(0);
    // Closed (won) before created: the dispute never takes anything.
    const st = fresh({ amountCents: starter.priceCents, credits: starter.credits });
    expect(coveredCredits(fold(st, [{ kind: 'dispute', id: 'd', amountCents: 1_000, outcome: 'won' }, { kind: 'dispute', id: 'd', amountCents: 1_000, outcome: 'open' }]))).toBe(1_000);
    // Two partial refunds in reverse order: fully refunded.
    expect(paymentStanding(fold(s, [{ kind: 'refund', totalRefundedCents: 4_500 }, { kind: 'refund', totalRefundedCents: 2_000 }]))).toBe('refunded');
  });

  it('an upgrade buys the remaining share of the difference; a downgrade buys nothing', () => {
    const tier = (id: string): { tierCredits: number; unitAmountCents: number } => {
      const found = subscriptionTiers.find((candidate) => candidate.id === id);
      if (found === undefined) throw new Error(id);
      return { tierCredits: found.monthlyCredits, unitAmountCents: found.priceCents };
    };
    // Basic -> Pro with half the period left (Stripe bills 49.50 - 14.50 = 35.00).
    expect(prorationCredits([{ ...tier('basic'), amountCents: -1_450 }, { ...tier('pro'), amountCents: 4_950 }])).toBe(4_500);
    // Basic -> Enterprise with 1 of 30 days left.
    expect(prorationCredits([{ ...tier('basic'), amountCents: -97 }, { ...tier('enterprise'), amountCents: 1_497 }])).toBe(1_900);
    // Pro -> Basic: a credit note, nothing granted.
    expect(prorationCredits([{ ...tier('pro'), amountCents: -4_950 }, { ...tier('basic'), amountCents: 1_450 }])).toBe(0);
    fc.assert(
      fc.property(fc.constantFrom('basic', 'pro', 'enterprise'), fc.constantFrom('basic', 'pro', 'enterprise'), fc.double({ min: 0, max: 1, noNaN: true }), (from, to, share) => {
        const old = tier(from);
        const next = tier(to);
        const credits = prorationCredits([
          { ...old, amountCents: -Math.round(old.unitAmountCents * share) },
          { ...next, amountCents: Math.round(next.unitAmountCents * share) },
        ]);
        expect(credits).toBeGreaterThanOrEqual(0);
        expect(credits).toBeLessThanOrEqual(Math.max(0, next.tierCredits - old.tierCredits));
        if (next.tierCredits <= old.tierCredits) expect(credits).toBe(0);
      }),
    );
  });

  it('carries over what was left, up to the cap', () => {
    fc.assert(
      fc.property(fc.integer({ min: -10, max: 100_000 }), fc.option(fc.integer({ min: 0, max: 100_000 })), (unspent, cap) => {
        const carried = carryOverCredits(unspent, cap);
        expect(carried).toBeGreaterThanOrEqual(0);
        expect(carried).toBeLessThanOrEqual(Math.max(0, unspent));
        if (cap !== null) expect(carried).toBeLessThanOrEqual(cap);
      }),
    );
    expect(carryOverCredits(12_000, 6_000)).toBe(6_000);
  });
});
