import { Inject, Injectable } from '@nestjs/common';
import type Stripe from 'stripe';
import type { PaidTierId, SubscriptionView } from '@atelier/contracts';
import { subscriptionStatuses } from '@atelier/contracts';
import { BillingRepository, type SubscriptionRow } from './billing.repository.js';
import { StripeRepository } from './stripe.repository.js';

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.id;

const ended = new Set(['canceled', 'incomplete_expired']);

export function isLive(subscription: Pick<SubscriptionRow, 'status'> | null): boolean {
  return subscription !== null && !ended.has(subscription.status);
}

export function subscriptionView(row: SubscriptionRow): SubscriptionView {
  const status = (subscriptionStatuses as readonly string[]).includes(row.status) ? (row.status as SubscriptionView['status']) : 'incomplete';
  return {
    tier: isLive(row) ? row.tier : 'free',
    status,
    pastDue: row.status === 'past_due' || row.status === 'unpaid',
    cancelAtPeriodEnd: row.cancelAtPeriodEnd,
    currentPeriodStart: row.currentPeriodStart?.toISOString() ?? null,
    currentPeriodEnd: row.currentPeriodEnd?.toISOString() ?? null,
  };
}

/**
 * Keeps our copy of an org's subscription equal to Stripe's. Events can arrive late, twice or out
 * of order, so none is trusted for the state: every sync reads the subscription from Stripe, under
 * a per-org lock, so the last write is always the freshest read.
 */
@Injectable()
export class SubscriptionSyncService {
  constructor(
    @Inject(BillingRepository) private readonly billing: BillingRepository,
    @Inject(StripeRepository) private readonly stripe: StripeRepository,
  ) {}

  /** The org a Stripe subscription belongs to: our record, its metadata, or its customer. */
  async organizationOf(subscriptionId: string, hint: Stripe.Subscription | null = null): Promise<string | null> {
    const known = await this.billing.organizationOfSubscription(subscriptionId);
    if (known !== null) return known;
    const subscription = hint ?? (await this.stripe.retrieveSubscription(subscriptionId));
    const fromMetadata = subscription.metadata.organizationId;
    if (fromMetadata !== undefined && (await this.billing.account(fromMetadata)) !== null) return fromMetadata;
    const customerId = idOf(subscription.customer);
    return customerId === null ? null : this.billing.organizationOfCustomer(customerId);
  }

  /** Reads the subscription from Stripe and stores it; returns what is stored for the org. */
  async sync(subscriptionId: string, organizationId: string): Promise<SubscriptionRow | null> {
    await this.billing.withOrganizationLock(organizationId, async (client) => {
      const subscription = await this.stripe.retrieveSubscription(subscriptionId);
      const item = subscription.items.data[0];
      const tier: PaidTierId | undefined = item === undefined ? undefined : await this.stripe.tierOfPrice(item.price);
      if (tier === undefined) return; // not one of our tiers
      await this.billing.saveSubscription(
        {
          organizationId,
          stripeSubscriptionId: subscription.id,
          tier,
          status: subscription.status,
          cancelAtPeriodEnd: subscription.cancel_at_period_end,
          currentPeriodStart: item === undefined ? null : new Date(item.current_period_start * 1000),
          currentPeriodEnd: item === undefined ? null : new Date(item.current_period_end * 1000),
        },
        client,
      );
      const paymentMethod = idOf(subscription.default_payment_method);
      if (paymentMethod !== null) {
        const account = await this.billing.account(organizationId);
        if (account?.defaultPaymentMethodId == null) await this.billing.setPaymentMethod(organizationId, paymentMethod);
      }
    });
    return this.billing.subscription(organizationId);
  }
}
