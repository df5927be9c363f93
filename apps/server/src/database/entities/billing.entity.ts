import { defineEntity, p } from '@mikro-orm/postgresql';
import { Organization } from './organization.entity.js';

/** An org's Stripe customer, its saved card, and its auto top-up settings and state. */
export const BillingAccountSchema = defineEntity({
  name: 'BillingAccount',
  tableName: 'billing_accounts',
  properties: {
    organization: () => p.oneToOne(Organization).primary().deleteRule('cascade'),
    stripeCustomerId: p.string().length(255).nullable().unique(),
    /** The card an auto top-up charges (saved by Checkout, or the customer's default). */
    defaultPaymentMethodId: p.string().length(255).nullable(),
    autoTopUpEnabled: p.boolean().default(false),
    autoTopUpThresholdCredits: p.bigint('number').nullable(),
    autoTopUpPackageId: p.string().length(32).nullable(),
    autoTopUpMonthlyCeilingCents: p.bigint('number').nullable(),
    /** Failed auto top-up payments in a row; at 3 auto top-up switches itself off. */
    autoTopUpFailures: p.integer().default(0),
    autoTopUpDisabledReason: p.text().nullable(),
    /** The auto top-up payment in progress: at most one at a time, whatever crosses the threshold. */
    autoTopUpInFlightId: p.uuid().nullable(),
    /** When that payment started: a claim older than the lease (a node died mid-payment) can be taken over. */
    autoTopUpInFlightSince: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});
export class BillingAccount extends BillingAccountSchema.class {}
BillingAccountSchema.setClass(BillingAccount);

/** The org's Stripe subscription as last read from Stripe (the source of truth). */
export const BillingSubscriptionSchema = defineEntity({
  name: 'BillingSubscription',
  tableName: 'billing_subscriptions',
  properties: {
    organization: () => p.oneToOne(Organization).primary().deleteRule('cascade'),
    stripeSubscriptionId: p.string().length(255).unique(),
    tier: p.string().length(32),
    status: p.string().length(32),
    cancelAtPeriodEnd: p.boolean().default(false),
    currentPeriodStart: p.datetime().nullable(),
    currentPeriodEnd: p.datetime().nullable(),
    /** When this state was read from Stripe: an older read never overwrites a newer one. */
    syncedAt: p.datetime(),
  },
});
export class BillingSubscription extends BillingSubscriptionSchema.class {}
BillingSubscriptionSchema.setClass(BillingSubscription);

/** A payment that grants credits: a package bought through Checkout, a paid invoice, an auto top-up. */
export const BillingPaymentSchema = defineEntity({
  name: 'BillingPayment',
  tableName: 'billing_payments',
  indexes: [{ properties: ['organization', 'createdAt'] }],
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    kind: p.string().length(16),
    status: p.string().length(24),
    /** The package or tier paid for. */
    item: p.string().length(32),
    credits: p.bigint('number'),
    amountCents: p.bigint('number'),
    currency: p.string().length(8),
    stripeCheckoutSessionId: p.string().length(255).nullable().unique(),
    stripeInvoiceId: p.string().length(255).nullable().unique(),
    stripePaymentIntentId: p.string().length(255).nullable().unique(),
    /** The ledger grant the payment bought (what a refund or dispute claws back). */
    ledgerGrantId: p.bigint('string').nullable(),
    /** Subscription grants: the end of the period they pay for (the grant expires then). */
    periodEnd: p.datetime().nullable(),
    refundedCents: p.bigint('number').default(0),
    disputedCents: p.bigint('number').default(0),
    clawedBackCredits: p.bigint('number').default(0),
    failureMessage: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    paidAt: p.datetime().nullable(),
  },
});
export class BillingPayment extends BillingPaymentSchema.class {}
BillingPaymentSchema.setClass(BillingPayment);

/** Every Stripe event received, by its id: processed once, whatever the deliveries. */
export const BillingEventSchema = defineEntity({
  name: 'BillingEvent',
  tableName: 'billing_events',
  properties: {
    id: p.string().length(255).primary(),
    type: p.string().length(128),
    /** processing, processed, ignored (a type we do not handle), failed (retried by Stripe). */
    status: p.string().length(16),
    attempts: p.integer().default(0),
    /** A processing claim lapses at this time (its node died): the next delivery takes it over. */
    claimedUntil: p.datetime().nullable(),
    error: p.text().nullable(),
    /** Stripe's `created` of the event. */
    stripeCreatedAt: p.datetime(),
    receivedAt: p.datetime().defaultRaw('now()'),
    processedAt: p.datetime().nullable(),
  },
});
export class BillingEvent extends BillingEventSchema.class {}
BillingEventSchema.setClass(BillingEvent);
