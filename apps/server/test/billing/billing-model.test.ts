import { ledgerOf } from '../ledger-of.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckoutSessionView, SettleDeficitView, SubscriptionChangeView } from '@atelier/contracts';
import { creditPackage, subscriptionTiers } from '../../src/billing/catalog.js';
import { expectStatus } from '../world.js';
import { billingStatus, deliverAll, pool, startBillingApp, team, type BillingWorld, type Team } from './billing-world.js';

/**
 * Model-based test of the billing money rules on the real server, real Postgres and the Stripe
 * fake: random sequences of purchases, refunds (partial and full), disputes (opened, won, lost),
 * a subscription with upgrades at random points of its period, downgrades, renewals (carrying
 * credits over) and failed renewals,
 * job holds with captures and voids, and Stripe's events delivered late, twice and out of order.
 * After each sequence the pool, the deficit, each payment's status and the ledger's audit must
 * equal what a simple reference model says from Stripe's final state alone:
 *
 *   each package still covers floor(credits × money kept / price), money kept = paid − refunded −
 *   open or lost disputes; each period's invoice (first or renewal) buys the tier's credits and
 *   each upgrade invoice the tier credits of what its lines bill (a carry-over moves credits, it
 *   adds none; nothing expires within a run); credits jobs captured are spent.
 *   Once the deficit is settled from the balance: available = max(0, covered − spent) and
 *   deficit = max(0, spent − covered).
 */

type Event = Record<string, unknown>;
type PackageId = 'starter' | 'standard' | 'bulk';
type TierId = 'basic' | 'pro' | 'enterprise';
const DAY_SECONDS = 86_400;

type Command =
  | { kind: 'buy'; packageId: PackageId }
  | { kind: 'refund'; payment: number; percent: number }
  | { kind: 'dispute'; payment: number; percent: number }
  | { kind: 'close'; dispute: number; outcome: 'won' | 'lost' }
  | { kind: 'subscribe'; tier: TierId }
  | { kind: 'change'; tier: TierId; days: number }
  | { kind: 'failRenewal' }
  | { kind: 'renew' }
  | { kind: 'hold'; credits: number }
  | { kind: 'capture'; hold: number; percent: number }
  | { kind: 'void'; hold: number }
  | { kind: 'deliver'; pick: number }
  | { kind: 'redeliver'; pick: number };

const tier = fc.constantFrom<TierId>('basic', 'pro', 'enterprise');
const packageId = fc.constantFrom<PackageId>('starter', 'standard', 'bulk');
const percent = fc.integer({ min: 1, max: 100 });
const index = fc.nat({ max: 20 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('buy' as const), packageId }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), payment: index, percent }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('dispute' as const), payment: index, percent }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('close' as const), dispute: index, outcome: fc.constantFrom<'won' | 'lost'>('won', 'lost') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('subscribe' as const), tier }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('change' as const), tier, days: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'failRenewal' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'renew' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('hold' as const), credits: fc.integer({ min: 1, max: 800 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('capture' as const), hold: index, percent: fc.integer({ min: 0, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), hold: index }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deliver' as const), pick: index }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), pick: index }) },
);

/** The tier credits a proration line bills: its share of the tier's month (the reference rule, restated). */
function lineCredits(line: Event, tiersByPrice: Map<string, { credits: number; unitAmount: number }>): number {
  const price = ((line.pricing as Event).price_details as Event).price as string;
  const tierOfLine = tiersByPrice.get(price);
  if (tierOfLine === undefined) return 0;
  return (tierOfLine.credits * (line.amount as number)) / tierOfLine.unitAmount;
}

describe('billing model', () => {
  let world: BillingWorld;
  beforeAll(async () => {
    world = await startBillingApp({ RUN_WORKERS: 'false' });
  });
  afterAll(async () => {
    await world.close();
  });

  it('ends where the reference model of Stripe’s final state says, whatever the order, repeats and lateness of events', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.option(tier), fc.array(packageId, { minLength: 1, maxLength: 2 }), fc.array(command, { minLength: 8, maxLength: 18 }), fc.nat(), async (initialTier, bought, commands, shuffleSeed) => {
        run += 1;
        // Each sequence starts with a purchase or two (something to refund and dispute), half of
        // them with a subscription (something to change).
        const start: Command[] = bought.map((id) => ({ kind: 'buy', packageId: id }));
        const all: Command[] = initialTier === null ? [...start, ...commands] : [{ kind: 'subscribe', tier: initialTier }, ...start, ...commands];
        await runSequence(world, `model-${String(run)}`, all, shuffleSeed);
      }),
      { seed: 20261204, numRuns: 25, endOnFailure: true },
    );
    // The fixed seed's sequences tell every kind of story at least once.
    for (const [story, count] of Object.entries(exercised)) expect(count, story).toBeGreaterThan(0);
  }, 300_000);
});

interface Package {
  packageId: PackageId;
  paymentId: string;
  paymentIntentId: string;
}

/** What the runs exercised (the test fails if a kind of story never happened). */
const exercised = { refunds: 0, disputesClosed: 0, upgrades: 0, captures: 0, renewals: 0, outOfOrder: 0, redelivered: 0 };

async function runSequence(world: BillingWorld, label: string, commands: readonly Command[], shuffleSeed: number): Promise<void> {
  const ledger = ledgerOf(world.server.app);
  const studio: Team = await team(world.server, label);
  const packages: Package[] = [];
  const disputes: Event[] = [];
  const holds: { holdId: string; amount: number; open: boolean }[] = [];
  const pending: Event[] = [];
  const delivered: Event[] = [];
  let subscriptionId: string | null = null;
  let agedDays = 0;
  let renewals = 0;
  let capturedCredits = 0;
  let random = shuffleSeed;
  const next = (bound: number): number => {
    random = (random * 1_103_515_245 + 12_345) % 2_147_483_648;
    return bound <= 0 ? 0 : random % bound;
  };

  const deliverOne = async (event: Event): Promise<void> => {
    expectStatus(await world.stripe.deliver(world.server.url, event), 200);
    delivered.push(event);
  };

  for (const step of commands) {
    switch (step.kind) {
      case 'buy': {
        const response = await studio.owner.client.post<CheckoutSessionView>(`/orgs/${studio.organizationId}/billing/checkout`, { packageId: step.packageId });
        expectStatus(response, 201);
        pending.push(...world.stripe.completeCheckout(response.body.sessionId));
        const session = world.stripe.sessions.get(response.body.sessionId);
        const intent = session?.payment_intent;
        if (typeof intent !== 'string') throw new Error('no payment intent');
        packages.push({ packageId: step.packageId, paymentId: (session?.metadata as Record<string, string>).paymentId ?? '', paymentIntentId: intent });
        break;
      }
      case 'refund': {
        const bought = packages[step.payment % Math.max(1, packages.length)];
        if (bought === undefined) break;
        pending.push(...world.stripe.refund(bought.paymentIntentId, Math.ceil((creditPackage(bought.packageId).priceCents * step.percent) / 100)));
        exercised.refunds += 1;
        break;
      }
      case 'dispute': {
        const bought = packages[step.payment % Math.max(1, packages.length)];
        if (bought === undefined) break;
        const events = world.stripe.dispute(bought.paymentIntentId, Math.ceil((creditPackage(bought.packageId).priceCents * step.percent) / 100));
        disputes.push((events[0]?.data as { object: Event }).object);
        pending.push(...events);
        break;
      }
      case 'close': {
        const open = disputes.filter((dispute) => world.stripe.disputes.get(dispute.id as string)?.status === 'needs_response');
        const dispute = open[step.dispute % Math.max(1, open.length)];
        if (dispute === undefined) break;
        pending.push(...world.stripe.closeDispute(dispute, step.outcome));
        exercised.disputesClosed += 1;
        break;
      }
      case 'subscribe': {
        if (subscriptionId !== null) break;
        const response = await studio.owner.client.post<SubscriptionChangeView>(`/orgs/${studio.organizationId}/billing/subscription`, { tier: step.tier });
        expectStatus(response, 200);
        if (response.body.action !== 'checkout') throw new Error('expected a checkout');
        // The first invoice may come late; the subscription itself must be known before a tier change.
        const [completed, created, invoice] = world.stripe.completeCheckout(response.body.sessionId) as [Event, Event, Event];
        await deliverAll(world, [completed, created]);
        pending.push(invoice);
        subscriptionId = world.stripe.sessions.get(response.body.sessionId)?.subscription as string;
        break;
      }
      case 'change': {
        if (subscriptionId === null) break;
        const current = ((world.stripe.subscriptions.get(subscriptionId)?.items as { data: Event[] }).data[0]?.price as Event).metadata as Record<string, string>;
        if (current.tier === step.tier || world.stripe.subscriptions.get(subscriptionId)?.status !== 'active') break;
        if (agedDays + step.days <= 25) {
          world.stripe.age(subscriptionId, step.days * DAY_SECONDS); // an upgrade at a later point of the period
          agedDays += step.days;
        }
        const response = await studio.owner.client.post(`/orgs/${studio.organizationId}/billing/subscription`, { tier: step.tier });
        expectStatus(response, 200);
        const events = world.stripe.outbox.splice(0);
        if (events.some((event) => event.type === 'invoice.paid')) exercised.upgrades += 1;
        pending.push(...events);
        break;
      }
      case 'failRenewal': {
        if (subscriptionId === null || world.stripe.subscriptions.get(subscriptionId)?.status !== 'active') break;
        pending.push(...world.stripe.failRenewal(subscriptionId));
        break;
      }
      case 'renew': {
        // The next period's invoice, paid (also after a failed attempt: the retry succeeded).
        if (subscriptionId === null || renewals >= 2) break;
        pending.push(...world.stripe.renew(subscriptionId));
        renewals += 1;
        exercised.renewals += 1;
        break;
      }
      case 'hold': {
        const holdId = crypto.randomUUID();
        const held = await ledger.hold({ holdId, orgId: studio.organizationId, memberId: studio.owner.userId, amountCredits: BigInt(step.credits), ttlMs: 3_600_000, actorId: studio.owner.userId });
        if (held.ok) holds.push({ holdId, amount: step.credits, open: true });
        break;
      }
      case 'capture': {
        const open = holds.filter((hold) => hold.open);
        const hold = open[step.hold % Math.max(1, open.length)];
        if (hold === undefined) break;
        const amount = Math.floor((hold.amount * step.percent) / 100);
        exercised.captures += 1;
        expect((await ledger.capture({ holdId: hold.holdId, amountCredits: BigInt(amount) })).ok).toBe(true);
        hold.open = false;
        capturedCredits += amount;
        break;
      }
      case 'void': {
        const open = holds.filter((hold) => hold.open);
        const hold = open[step.hold % Math.max(1, open.length)];
        if (hold === undefined) break;
        expect((await ledger.void({ holdId: hold.holdId, reason: 'cancelled' })).ok).toBe(true);
        hold.open = false;
        break;
      }
      case 'deliver': {
        const at = step.pick % Math.max(1, pending.length);
        if (at > 0) exercised.outOfOrder += 1;
        const [event] = pending.splice(at, 1);
        if (event !== undefined) await deliverOne(event);
        break;
      }
      case 'redeliver': {
        const event = delivered[step.pick % Math.max(1, delivered.length)];
        if (event !== undefined) await deliverOne(event);
        if (event !== undefined) exercised.redelivered += 1;
        break;
      }
    }
  }

  // Jobs still running finish (or are cancelled); every event arrives at last, in any order, some twice.
  for (const hold of holds.filter((candidate) => candidate.open)) {
    if (next(2) === 0) {
      expect((await ledger.void({ holdId: hold.holdId, reason: 'cancelled' })).ok).toBe(true);
    } else {
      expect((await ledger.capture({ holdId: hold.holdId, amountCredits: BigInt(hold.amount) })).ok).toBe(true);
      capturedCredits += hold.amount;
    }
  }
  while (pending.length > 0) {
    const [event] = pending.splice(next(pending.length), 1);
    if (event !== undefined) await deliverOne(event);
  }
  for (let repeat = 0; repeat < 3 && delivered.length > 0; repeat += 1) {
    const event = delivered[next(delivered.length)];
    if (event !== undefined) await deliverOne(event);
  }
  const settled = await studio.owner.client.post<SettleDeficitView>(`/orgs/${studio.organizationId}/billing/deficit/settle`, {});
  expectStatus(settled, 200);

  // The reference model, from Stripe's final state.
  let coveredCredits = 0;
  const expectedStatuses = new Map<string, string>();
  for (const bought of packages) {
    const item = creditPackage(bought.packageId);
    const refunded = [...world.stripe.charges.values()].filter((charge) => charge.payment_intent === bought.paymentIntentId).reduce((sum, charge) => sum + (charge.amount_refunded as number), 0);
    const disputesOfPayment = [...world.stripe.disputes.values()].filter((dispute) => dispute.payment_intent === bought.paymentIntentId);
    const withheld = disputesOfPayment.filter((dispute) => dispute.status !== 'won').reduce((sum, dispute) => sum + (dispute.amount as number), 0);
    const kept = Math.max(0, item.priceCents - refunded - withheld);
    coveredCredits += Math.floor((item.credits * kept) / item.priceCents);
    expectedStatuses.set(
      bought.paymentIntentId,
      refunded >= item.priceCents ? 'refunded' : disputesOfPayment.some((dispute) => dispute.status !== 'won') ? 'disputed' : refunded > 0 ? 'partially_refunded' : 'paid',
    );
  }
  if (subscriptionId !== null) {
    const tiersByPrice = new Map<string, { credits: number; unitAmount: number }>();
    for (const price of world.stripe.prices.values()) {
      const found = subscriptionTiers.find((candidate) => candidate.id === (price.metadata as Record<string, string>).tier);
      if (found !== undefined) tiersByPrice.set(price.id as string, { credits: found.monthlyCredits, unitAmount: price.unit_amount as number });
    }
    for (const invoice of world.stripe.invoices.values()) {
      if (invoice.customer !== world.stripe.subscriptions.get(subscriptionId)?.customer || invoice.status !== 'paid') continue;
      const lines = (invoice.lines as { data: Event[] }).data;
      if (invoice.billing_reason === 'subscription_create' || invoice.billing_reason === 'subscription_cycle') coveredCredits += Math.round(lines.reduce((sum, line) => sum + lineCredits(line, tiersByPrice), 0));
      if (invoice.billing_reason === 'subscription_update') coveredCredits += Math.max(0, Math.floor(lines.reduce((sum, line) => sum + lineCredits(line, tiersByPrice), 0) + 1e-6));
    }
  }
  const net = coveredCredits - capturedCredits;

  const context = JSON.stringify({ label, commands, coveredCredits, capturedCredits });
  const balance = await pool(studio);
  const status = await billingStatus(studio);
  expect({ available: balance.availableCredits, pending: balance.pendingCredits, deficit: status.deficit.credits }, context).toEqual({
    available: Math.max(0, net),
    pending: 0,
    deficit: Math.max(0, -net),
  });
  const packagePayments = status.payments.filter((candidate) => candidate.kind === 'package');
  expect(packagePayments.length, context).toBe(packages.length);
  for (const bought of packages) {
    expect(packagePayments.find((payment) => payment.id === bought.paymentId)?.status, context).toBe(expectedStatuses.get(bought.paymentIntentId));
  }
  if (subscriptionId !== null) {
    expect(status.subscription?.status, context).toBe(world.stripe.subscriptions.get(subscriptionId)?.status);
  }
  expect((await ledger.checkInvariants(studio.organizationId)).violations, context).toEqual([]);
}
