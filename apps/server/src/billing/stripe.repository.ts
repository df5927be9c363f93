import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import { paidTierIds, type PaidTierId } from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { billingCurrency, subscriptionTier, tierLookupKey, tierOfLookupKey, type CreditPackage } from './catalog.js';

/** The subset of an event we act on; `data.object` is read per type by the webhook service. */
export type StripeEvent = Stripe.Event;

export function notConfigured(): ApiError {
  return new ApiError(HttpStatus.CONFLICT, {
    code: 'billing_not_configured',
    message: 'Billing is not set up on this server (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET). An operator can grant credits with `npm run credits -- grant`.',
  });
}

/** Stripe refused a call or could not be reached: the caller sees a 502 with Stripe's message. */
export function providerError(error: unknown): ApiError {
  const message = error instanceof Stripe.errors.StripeError ? error.message : 'Stripe could not be reached.';
  return new ApiError(HttpStatus.BAD_GATEWAY, { code: 'payment_provider_error', message: `${message} Try again in a moment.` });
}

/** Reads `host`, `port` and `protocol` of the SDK from a base URL (STRIPE_API_URL). */
export function stripeHostOptions(apiUrl: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (apiUrl === undefined) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port), protocol };
}

/**
 * Every call to Stripe goes through here (the `stripe` SDK). Unconfigured, each call answers
 * `billing_not_configured`. Writes carry idempotency keys, so the SDK's retries are safe.
 */
@Injectable()
export class StripeRepository {
  private readonly stripe: Stripe | undefined;
  private readonly webhookSecret: string | undefined;
  /** Tier price ids by tier, and back: found by lookup key once per process. */
  private readonly tierPrices = new Map<PaidTierId, Promise<string>>();
  private readonly tiersByPrice = new Map<string, PaidTierId>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    if (config.stripe !== undefined) {
      this.stripe = new Stripe(config.stripe.secretKey, {
        ...stripeHostOptions(config.stripe.apiUrl),
        maxNetworkRetries: 2,
        timeout: 20_000,
        appInfo: { name: 'Atelier' },
      });
      this.webhookSecret = config.stripe.webhookSecret;
    }
  }

  get configured(): boolean {
    return this.stripe !== undefined;
  }

  private client(): Stripe {
    if (this.stripe === undefined) throw notConfigured();
    return this.stripe;
  }

  /** Verifies the signature on the raw body; throws when it does not match (or is too old). */
  verifyEvent(rawBody: Buffer, signature: string): StripeEvent {
    const stripe = this.client();
    if (this.webhookSecret === undefined) throw notConfigured();
    return stripe.webhooks.constructEvent(rawBody, signature, this.webhookSecret);
  }

  async createCustomer(organizationId: string, name: string, email: string): Promise<string> {
    const customer = await this.client().customers.create(
      { name, email, metadata: { organizationId } },
      { idempotencyKey: `customer-${organizationId}` },
    );
    return customer.id;
  }

  async packageCheckout(request: {
    customerId: string;
    organizationId: string;
    paymentId: string;
    item: CreditPackage;
    successUrl: string;
    cancelUrl: string;
  }): Promise<{ id: string; url: string }> {
    const metadata = { organizationId: request.organizationId, paymentId: request.paymentId, kind: 'package', packageId: request.item.id };
    const session = await this.client().checkout.sessions.create(
      {
        mode: 'payment',
        customer: request.customerId,
        client_reference_id: request.organizationId,
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: billingCurrency,
              unit_amount: request.item.priceCents,
              product_data: { name: `${request.item.name}: ${request.item.credits.toLocaleString('en-US')} credits` },
            },
          },
        ],
        // Saves the card for auto top-up (off-session payments later).
        payment_intent_data: { setup_future_usage: 'off_session', metadata },
        metadata,
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
      },
      { idempotencyKey: `checkout-${request.paymentId}` },
    );
    if (session.url === null) throw new Error('Stripe returned a Checkout session without a URL');
    return { id: session.id, url: session.url };
  }

  async subscriptionCheckout(request: {
    customerId: string;
    organizationId: string;
    tier: PaidTierId;
    successUrl: string;
    cancelUrl: string;
    idempotencyKey: string;
  }): Promise<{ id: string; url: string }> {
    const price = await this.tierPriceId(request.tier);
    const metadata = { organizationId: request.organizationId, kind: 'subscription', tier: request.tier };
    const session = await this.client().checkout.sessions.create(
      {
        mode: 'subscription',
        customer: request.customerId,
        client_reference_id: request.organizationId,
        line_items: [{ price, quantity: 1 }],
        subscription_data: { metadata },
        metadata,
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
      },
      { idempotencyKey: request.idempotencyKey },
    );
    if (session.url === null) throw new Error('Stripe returned a Checkout session without a URL');
    return { id: session.id, url: session.url };
  }

  /** The Stripe Price of a tier, found by its lookup key, or created once (product and price). */
  tierPriceId(tier: PaidTierId): Promise<string> {
    let price = this.tierPrices.get(tier);
    if (price === undefined) {
      price = this.findOrCreateTierPrice(tier);
      this.tierPrices.set(tier, price);
      price.catch(() => this.tierPrices.delete(tier));
    }
    return price;
  }

  private async findOrCreateTierPrice(tier: PaidTierId): Promise<string> {
    const stripe = this.client();
    const lookupKey = tierLookupKey(tier);
    const found = await stripe.prices.list({ lookup_keys: [lookupKey], active: true, limit: 1 });
    const existing = found.data[0];
    if (existing !== undefined) {
      this.tiersByPrice.set(existing.id, tier);
      return existing.id;
    }
    const data = subscriptionTier(tier);
    const product = await stripe.products.create(
      { name: `Atelier ${data.name}`, metadata: { tier } },
      { idempotencyKey: `product-${lookupKey}` },
    );
    const created = await stripe.prices.create(
      {
        product: product.id,
        currency: billingCurrency,
        unit_amount: data.priceCents,
        recurring: { interval: 'month' },
        lookup_key: lookupKey,
        metadata: { tier },
      },
      { idempotencyKey: `price-${lookupKey}` },
    );
    this.tiersByPrice.set(created.id, tier);
    return created.id;
  }

  /** The tier a Stripe Price stands for (by its lookup key or metadata), or undefined. */
  async tierOfPrice(price: string | Stripe.Price): Promise<PaidTierId | undefined> {
    const id = typeof price === 'string' ? price : price.id;
    const known = this.tiersByPrice.get(id);
    if (known !== undefined) return known;
    const full = typeof price === 'string' ? await this.client().prices.retrieve(price) : price;
    const fromMetadata = full.metadata.tier;
    const tier = tierOfLookupKey(full.lookup_key) ?? paidTierIds.find((candidate) => candidate === fromMetadata);
    if (tier !== undefined) this.tiersByPrice.set(id, tier);
    return tier;
  }

  retrieveSubscription(id: string): Promise<Stripe.Subscription> {
    return this.client().subscriptions.retrieve(id);
  }

  async changeSubscriptionTier(subscription: Stripe.Subscription, tier: PaidTierId, idempotencyKey: string): Promise<Stripe.Subscription> {
    const item = subscription.items.data[0];
    if (item === undefined) throw new Error(`subscription ${subscription.id} has no item`);
    const price = await this.tierPriceId(tier);
    return this.client().subscriptions.update(
      subscription.id,
      {
        items: [{ id: item.id, price }],
        // Upgrades are invoiced (and paid) now; downgrades leave a credit for the next invoice.
        proration_behavior: 'always_invoice',
        cancel_at_period_end: false,
        metadata: { ...subscription.metadata, tier },
      },
      { idempotencyKey },
    );
  }

  setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean, idempotencyKey: string): Promise<Stripe.Subscription> {
    return this.client().subscriptions.update(subscriptionId, { cancel_at_period_end: cancel }, { idempotencyKey });
  }

  async portalSession(customerId: string, returnUrl: string): Promise<string> {
    const session = await this.client().billingPortal.sessions.create({ customer: customerId, return_url: returnUrl });
    return session.url;
  }

  retrieveCheckoutSession(id: string): Promise<Stripe.Checkout.Session> {
    return this.client().checkout.sessions.retrieve(id, { expand: ['payment_intent'] });
  }

  retrieveInvoice(id: string): Promise<Stripe.Invoice> {
    return this.client().invoices.retrieve(id, { expand: ['payments'] });
  }

  /**
   * A payment's refunds and disputes as Stripe has them now (a webhook's copy may be stale): the
   * refunded total of its charges and every dispute with its status.
   */
  async paymentMoneyState(paymentIntentId: string): Promise<{ refundedCents: number; disputes: { id: string; amountCents: number; status: string }[] }> {
    const stripe = this.client();
    const charges = await stripe.charges.list({ payment_intent: paymentIntentId, limit: 100 });
    const disputes = await stripe.disputes.list({ payment_intent: paymentIntentId, limit: 100 });
    return {
      refundedCents: charges.data.reduce((sum, charge) => sum + charge.amount_refunded, 0),
      disputes: disputes.data.map((dispute) => ({ id: dispute.id, amountCents: dispute.amount, status: dispute.status })),
    };
  }

  /** The customer's default card for invoices, if any. */
  async defaultPaymentMethod(customerId: string): Promise<string | null> {
    const customer = await this.client().customers.retrieve(customerId);
    if (customer.deleted === true) return null;
    const method = customer.invoice_settings.default_payment_method;
    return method === null ? null : typeof method === 'string' ? method : method.id;
  }

  /**
   * One off-session payment with a saved card, confirmed at once. Resolves with the PaymentIntent
   * (succeeded, processing, or needing an action the customer is not there to take); a declined
   * card rejects with Stripe's card error, which carries the PaymentIntent.
   */
  chargeOffSession(request: {
    customerId: string;
    paymentMethodId: string;
    amountCents: number;
    description: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<Stripe.PaymentIntent> {
    return this.client().paymentIntents.create(
      {
        amount: request.amountCents,
        currency: billingCurrency,
        customer: request.customerId,
        payment_method: request.paymentMethodId,
        off_session: true,
        confirm: true,
        description: request.description,
        metadata: request.metadata,
      },
      { idempotencyKey: request.idempotencyKey },
    );
  }
}
