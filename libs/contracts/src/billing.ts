import { z } from 'zod';
import { creditPackageIds } from './values.js';

/**
 * Billing (Stripe): credit packages bought through Checkout, subscription tiers with monthly
 * allocations, auto top-up, refunds and disputes that claw credits back (a deficit when they were
 * already spent). Endpoints under `/api/orgs/:orgId/billing/…`; Stripe's webhook at
 * `/api/billing/webhook`. Money is integer cents of `currency`; credits are integers.
 */

export const creditPackageId = z.enum(creditPackageIds);
export type CreditPackageId = z.infer<typeof creditPackageId>;

export const subscriptionTierIds = ['free', 'basic', 'pro', 'enterprise'] as const;
export const subscriptionTierId = z.enum(subscriptionTierIds);
export type SubscriptionTierId = z.infer<typeof subscriptionTierId>;
/** Tiers one can subscribe to through Stripe (Free is what an org has without a subscription). */
export const paidTierIds = ['basic', 'pro', 'enterprise'] as const;
export const paidTierId = z.enum(paidTierIds);
export type PaidTierId = z.infer<typeof paidTierId>;

/** Stripe's subscription statuses, as Stripe names them. */
export const subscriptionStatuses = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
] as const;

/**
 * A path in this web app to come back to from Stripe's pages (Checkout, the customer portal), e.g.
 * `/orgs/…/billing`. Only paths: the server puts PUBLIC_URL in front, so no one can be sent elsewhere.
 */
export const returnPath = z
  .string()
  .max(500)
  .regex(/^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/, 'must be a path of this app, starting with one /');

/* ---------- catalog (data, the same for every org) ---------- */

export const creditPackageView = z.object({
  id: creditPackageId,
  name: z.string(),
  credits: z.number().int(),
  priceCents: z.number().int(),
  currency: z.string(),
  /** Price of 1,000 credits in cents, rounded: bigger packages cost less per credit. */
  centsPerThousandCredits: z.number().int(),
});
export type CreditPackageView = z.infer<typeof creditPackageView>;

export const subscriptionTierView = z.object({
  id: subscriptionTierId,
  name: z.string(),
  /** Credits granted by each paid monthly invoice; they expire at the end of that period. */
  monthlyCredits: z.number().int(),
  /** Per month; 0 for Free. */
  priceCents: z.number().int(),
  currency: z.string(),
  /** Most unspent credits of a period carried into the next one; 0: none carried; null: all. */
  rolloverCapCredits: z.number().int().nullable(),
  /** What a job may do on this tier; null: no restriction. */
  limits: z.object({
    allowedModels: z.array(z.string()).nullable(),
    maxImagesPerJob: z.number().int().nullable(),
    maxConcurrentJobs: z.number().int().nullable(),
  }),
  /** Whether one can subscribe to it (every tier but Free). */
  purchasable: z.boolean(),
});
export type SubscriptionTierView = z.infer<typeof subscriptionTierView>;

/* ---------- an org's billing state ---------- */

export const subscriptionView = z.object({
  tier: subscriptionTierId,
  status: z.enum(subscriptionStatuses),
  /** The payment of the latest invoice failed: Stripe retries; credits of the tier are not granted meanwhile. */
  pastDue: z.boolean(),
  /** The subscription ends at `currentPeriodEnd` (and the org falls back to Free). */
  cancelAtPeriodEnd: z.boolean(),
  currentPeriodStart: z.iso.datetime().nullable(),
  currentPeriodEnd: z.iso.datetime().nullable(),
});
export type SubscriptionView = z.infer<typeof subscriptionView>;

export const deficitView = z.object({
  /**
   * Credits taken back by a refund or dispute that had already been spent. While above 0, new
   * generations are refused (`deficit_outstanding`); credits that arrive pay it off first.
   */
  credits: z.number().int(),
  /** When the current deficit started; null when there is none. */
  since: z.iso.datetime().nullable(),
});
export type DeficitView = z.infer<typeof deficitView>;

export const autoTopUpSettings = z.strictObject({
  enabled: z.boolean(),
  /** A top-up is bought when the pool's available credits fall below this. */
  thresholdCredits: z.number().int().min(1).max(1_000_000_000),
  packageId: creditPackageId,
  /** Most spent on top-ups per calendar month (UTC), in cents of the package's currency. */
  monthlyCeilingCents: z.number().int().min(1).max(100_000_000),
});
export type AutoTopUpSettings = z.infer<typeof autoTopUpSettings>;

export const autoTopUpView = z.object({
  enabled: z.boolean(),
  /** null until settings were saved once. */
  thresholdCredits: z.number().int().nullable(),
  packageId: creditPackageId.nullable(),
  monthlyCeilingCents: z.number().int().nullable(),
  /** Spent on successful top-ups this calendar month (UTC). */
  spentThisMonthCents: z.number().int(),
  /** Failed payments in a row; at 3 auto top-up switches itself off. */
  consecutiveFailures: z.number().int(),
  /** Why it switched itself off (null while on, or when an owner turned it off). */
  disabledReason: z.string().nullable(),
  lastAttemptAt: z.iso.datetime().nullable(),
  lastAttemptStatus: z.enum(['pending', 'succeeded', 'failed']).nullable(),
});
export type AutoTopUpView = z.infer<typeof autoTopUpView>;

export const paymentKinds = ['package', 'subscription', 'auto_top_up'] as const;
export const paymentStatuses = ['pending', 'paid', 'failed', 'refunded', 'partially_refunded', 'disputed'] as const;

/** A payment that granted (or was meant to grant) credits. */
export const paymentView = z.object({
  id: z.uuid(),
  kind: z.enum(paymentKinds),
  status: z.enum(paymentStatuses),
  /** The package or tier paid for. */
  item: z.string(),
  credits: z.number().int(),
  amountCents: z.number().int(),
  currency: z.string(),
  /** Credits taken back by refunds and disputes of this payment (unspent ones, and any deficit). */
  clawedBackCredits: z.number().int(),
  createdAt: z.iso.datetime(),
});
export type PaymentView = z.infer<typeof paymentView>;

export const billingStatus = z.object({
  /** false: STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET are not set; purchases answer `billing_not_configured`. */
  configured: z.boolean(),
  packages: z.array(creditPackageView),
  tiers: z.array(subscriptionTierView),
  /** The org's tier: Free without a live subscription. */
  tier: subscriptionTierId,
  /** null: never subscribed (or the subscription ended). */
  subscription: subscriptionView.nullable(),
  deficit: deficitView,
  autoTopUp: autoTopUpView,
  /** A card is saved with Stripe (needed by auto top-up). */
  hasPaymentMethod: z.boolean(),
  /** Latest payments first (at most 20). */
  payments: z.array(paymentView),
});
export type BillingStatus = z.infer<typeof billingStatus>;

/* ---------- requests and answers ---------- */

export const checkoutRequest = z.strictObject({
  packageId: creditPackageId,
  returnPath: returnPath.optional(),
});
export type CheckoutRequest = z.infer<typeof checkoutRequest>;

/** Send the browser to `url` (Stripe Checkout). Credits arrive when Stripe reports the payment. */
export const checkoutSessionView = z.object({ sessionId: z.string(), url: z.string() });
export type CheckoutSessionView = z.infer<typeof checkoutSessionView>;

export const subscriptionRequest = z.strictObject({
  tier: paidTierId,
  returnPath: returnPath.optional(),
});
export type SubscriptionRequest = z.infer<typeof subscriptionRequest>;

/**
 * `checkout`: no subscription yet, send the browser to `url`. `updated`: the live subscription moved
 * to the tier, prorated by Stripe (an upgrade is invoiced now and its extra credits arrive when paid).
 */
export const subscriptionChangeView = z.discriminatedUnion('action', [
  z.object({ action: z.literal('checkout'), sessionId: z.string(), url: z.string() }),
  z.object({ action: z.literal('updated'), subscription: subscriptionView }),
]);
export type SubscriptionChangeView = z.infer<typeof subscriptionChangeView>;

/** `cancel: true` ends the subscription at the end of the paid period; `false` takes that back. */
export const cancelSubscriptionRequest = z.strictObject({ cancel: z.boolean().default(true) });
export type CancelSubscriptionRequest = z.infer<typeof cancelSubscriptionRequest>;

export const portalRequest = z.strictObject({ returnPath: returnPath.optional() });
export type PortalRequest = z.infer<typeof portalRequest>;
export const portalSessionView = z.object({ url: z.string() });
export type PortalSessionView = z.infer<typeof portalSessionView>;

/** Settles the deficit from the pool's available credits (as far as they go). */
export const settleDeficitView = z.object({ settledCredits: z.number().int(), deficit: deficitView });
export type SettleDeficitView = z.infer<typeof settleDeficitView>;

/** Error codes of billing answers (besides the generic ones). */
export const billingErrorCodes = [
  /** 409: Stripe keys are not configured on this server. */
  'billing_not_configured',
  /** 409: a subscription change or cancel without a subscription. */
  'no_subscription',
  /** 409: already on that tier. */
  'already_on_tier',
  /** 409: auto top-up needs a card saved with Stripe (buy a package once, or add one in the portal). */
  'payment_method_required',
  /** 502: Stripe refused or could not be reached; try again. */
  'payment_provider_error',
  /** 402 on job submit: a deficit must be settled first. */
  'deficit_outstanding',
] as const;
export type BillingErrorCode = (typeof billingErrorCodes)[number];
