import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type {
  AutoTopUpSettings,
  AutoTopUpView,
  BillingStatus,
  CheckoutRequest,
  CheckoutSessionView,
  PaymentView,
  PortalSessionView,
  SettleDeficitView,
  SubscriptionChangeView,
  SubscriptionRequest,
  SubscriptionView,
} from '@atelier/contracts';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { AuditService } from '../orgs/audit.service.js';
import { AutoTopUpService, monthStartUtc } from './auto-top-up.service.js';
import { BillingRepository, type AccountRow, type PaymentRow } from './billing.repository.js';
import { billingCurrency, creditPackage, creditPackages, creditPackageView, subscriptionTiers, subscriptionTierView } from './catalog.js';
import { CreditsService } from './credits.service.js';
import { notConfigured, providerError, StripeRepository } from './stripe.repository.js';
import { isLive, SubscriptionSyncService, subscriptionView } from './subscription-sync.service.js';

const PAYMENTS_SHOWN = 20;

/** What owners do on the billing page: buy, subscribe, change or cancel, manage cards, auto top-up. */
@Injectable()
export class BillingService {
  private readonly logger = new Logger('Billing');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BillingRepository) private readonly billing: BillingRepository,
    @Inject(StripeRepository) private readonly stripe: StripeRepository,
    @Inject(CreditsService) private readonly credits: CreditsService,
    @Inject(SubscriptionSyncService) private readonly subscriptions: SubscriptionSyncService,
    @Inject(AutoTopUpService) private readonly autoTopUp: AutoTopUpService,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async status(organizationId: string): Promise<BillingStatus> {
    const [account, subscription, deficit, payments, lastTopUp, spent] = await Promise.all([
      this.billing.account(organizationId),
      this.billing.subscription(organizationId),
      this.credits.deficit(organizationId),
      this.billing.payments(organizationId, PAYMENTS_SHOWN),
      this.billing.lastAutoTopUp(organizationId),
      this.billing.autoTopUpSpentSince(organizationId, monthStartUtc(new Date())),
    ]);
    const live = isLive(subscription) ? subscription : null;
    return {
      configured: this.stripe.configured,
      packages: creditPackages.map(creditPackageView),
      tiers: subscriptionTiers.map(subscriptionTierView),
      tier: live?.tier ?? 'free',
      subscription: subscription === null ? null : subscriptionView(subscription),
      deficit: { credits: deficit.credits, since: deficit.since?.toISOString() ?? null },
      autoTopUp: autoTopUpView(account, lastTopUp, spent),
      hasPaymentMethod: account?.defaultPaymentMethodId != null,
      payments: payments.map(paymentView),
    };
  }

  async checkout(organizationId: string, userId: string, request: CheckoutRequest): Promise<CheckoutSessionView> {
    const customerId = await this.customer(organizationId, userId);
    const item = creditPackage(request.packageId);
    const paymentId = crypto.randomUUID();
    await this.billing.insertPayment({
      id: paymentId,
      organizationId,
      kind: 'package',
      status: 'pending',
      item: item.id,
      credits: item.credits,
      amountCents: item.priceCents,
      currency: billingCurrency,
    });
    const urls = this.returnUrls(organizationId, request.returnPath);
    const session = await this.call(() =>
      this.stripe.packageCheckout({ customerId, organizationId, paymentId, item, successUrl: urls.success, cancelUrl: urls.cancel }),
    );
    await this.billing.setCheckoutSession(paymentId, session.id);
    await this.audit.record({ organizationId, actorId: userId, action: 'billing.checkout', targetType: 'package', targetId: item.id, after: { sessionId: session.id, credits: item.credits, priceCents: item.priceCents } });
    return { sessionId: session.id, url: session.url };
  }

  /** Starts a subscription (through Checkout) or moves the live one to another tier (prorated). */
  async changeSubscription(organizationId: string, userId: string, request: SubscriptionRequest): Promise<SubscriptionChangeView> {
    const customerId = await this.customer(organizationId, userId);
    const current = await this.billing.subscription(organizationId);
    if (current === null || !isLive(current)) {
      const urls = this.returnUrls(organizationId, request.returnPath);
      const session = await this.call(() =>
        this.stripe.subscriptionCheckout({
          customerId,
          organizationId,
          tier: request.tier,
          successUrl: urls.success,
          cancelUrl: urls.cancel,
          idempotencyKey: `subscription-checkout-${crypto.randomUUID()}`,
        }),
      );
      await this.audit.record({ organizationId, actorId: userId, action: 'billing.subscribe', targetType: 'tier', targetId: request.tier, after: { sessionId: session.id } });
      return { action: 'checkout', sessionId: session.id, url: session.url };
    }
    if (current.tier === request.tier) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'already_on_tier', message: `The org is already on ${request.tier}.`, field: 'tier' });
    }
    await this.call(async () => {
      const subscription = await this.stripe.retrieveSubscription(current.stripeSubscriptionId);
      await this.stripe.changeSubscriptionTier(subscription, request.tier, `tier-${crypto.randomUUID()}`);
    });
    const synced = await this.subscriptions.sync(current.stripeSubscriptionId, organizationId);
    await this.audit.record({ organizationId, actorId: userId, action: 'billing.subscription.change', targetType: 'tier', targetId: request.tier, before: { tier: current.tier }, after: { tier: synced?.tier ?? request.tier } });
    return { action: 'updated', subscription: subscriptionView(synced ?? current) };
  }

  /** Cancels at the end of the paid period (or takes that back). */
  async cancel(organizationId: string, userId: string, cancel: boolean): Promise<SubscriptionView> {
    this.requireConfigured();
    const current = await this.billing.subscription(organizationId);
    if (current === null || !isLive(current)) {
      throw new ApiError(HttpStatus.CONFLICT, { code: 'no_subscription', message: 'The org has no subscription to cancel.' });
    }
    await this.call(() => this.stripe.setCancelAtPeriodEnd(current.stripeSubscriptionId, cancel, `cancel-${crypto.randomUUID()}`));
    const synced = await this.subscriptions.sync(current.stripeSubscriptionId, organizationId);
    await this.audit.record({ organizationId, actorId: userId, action: cancel ? 'billing.subscription.cancel' : 'billing.subscription.resume', targetType: 'subscription', targetId: current.stripeSubscriptionId });
    return subscriptionView(synced ?? current);
  }

  async portal(organizationId: string, userId: string, returnPath: string | undefined): Promise<PortalSessionView> {
    const customerId = await this.customer(organizationId, userId);
    const url = await this.call(() => this.stripe.portalSession(customerId, this.returnUrls(organizationId, returnPath).plain));
    return { url };
  }

  async saveAutoTopUp(organizationId: string, userId: string, settings: AutoTopUpSettings): Promise<AutoTopUpView> {
    this.requireConfigured();
    let account = await this.billing.ensureAccount(organizationId);
    if (settings.enabled && account.defaultPaymentMethodId === null) {
      const saved = account.stripeCustomerId === null ? null : await this.call(() => this.stripe.defaultPaymentMethod(account.stripeCustomerId as string));
      if (saved === null) {
        throw new ApiError(HttpStatus.CONFLICT, {
          code: 'payment_method_required',
          message: 'Auto top-up needs a card saved with Stripe: buy a package once, or add a card in the billing portal.',
          field: 'enabled',
        });
      }
      await this.billing.setPaymentMethod(organizationId, saved);
    }
    if (settings.monthlyCeilingCents < creditPackage(settings.packageId).priceCents) {
      throw new ApiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_request',
        message: `monthlyCeilingCents: must allow at least one ${settings.packageId} package (${String(creditPackage(settings.packageId).priceCents)} cents)`,
        field: 'monthlyCeilingCents',
      });
    }
    const before = autoTopUpView(account, null, 0);
    await this.billing.saveAutoTopUp(organizationId, settings);
    await this.audit.record({ organizationId, actorId: userId, action: 'billing.auto_top_up', targetType: 'billing', targetId: organizationId, before, after: settings });
    account = await this.billing.ensureAccount(organizationId);
    if (settings.enabled) {
      // Already below the line: top up now rather than at the next spend.
      const available = await this.credits.availableCredits(organizationId);
      this.autoTopUp.check(organizationId, available).catch((error: unknown) => {
        this.logger.error(`auto top-up after saving settings failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
    const [last, spent] = await Promise.all([this.billing.lastAutoTopUp(organizationId), this.billing.autoTopUpSpentSince(organizationId, monthStartUtc(new Date()))]);
    return autoTopUpView(account, last, spent);
  }

  async settleDeficit(organizationId: string, userId: string): Promise<SettleDeficitView> {
    const settled = await this.credits.settleDeficit(organizationId, userId);
    if (settled.settledCredits > 0) {
      await this.audit.record({ organizationId, actorId: userId, action: 'billing.deficit.settle', targetType: 'pool', targetId: organizationId, after: { settledCredits: settled.settledCredits } });
    }
    const deficit = await this.credits.deficit(organizationId);
    return { settledCredits: settled.settledCredits, deficit: { credits: deficit.credits, since: deficit.since?.toISOString() ?? null } };
  }

  private requireConfigured(): void {
    if (!this.stripe.configured) throw notConfigured();
  }

  /** The org's Stripe customer, created on first need. */
  private async customer(organizationId: string, userId: string): Promise<string> {
    this.requireConfigured();
    const account = await this.billing.ensureAccount(organizationId);
    if (account.stripeCustomerId !== null) return account.stripeCustomerId;
    const details = await this.billing.customerDetails(organizationId, userId);
    const created = await this.call(() => this.stripe.createCustomer(organizationId, details.name, details.email));
    return this.billing.setCustomer(organizationId, created);
  }

  private returnUrls(organizationId: string, returnPath: string | undefined): { plain: string; success: string; cancel: string } {
    const plain = `${this.config.publicUrl}${returnPath ?? `/orgs/${organizationId}/billing`}`;
    const separator = plain.includes('?') ? '&' : '?';
    return {
      plain,
      success: `${plain}${separator}checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel: `${plain}${separator}checkout=cancelled`,
    };
  }

  /** A Stripe call whose failure the caller sees as a 502 naming Stripe's reason. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ApiError) throw error;
      this.logger.warn(`Stripe call failed: ${error instanceof Error ? error.message : String(error)}`);
      throw providerError(error);
    }
  }
}

function autoTopUpView(account: AccountRow | null, last: PaymentRow | null, spentThisMonthCents: number): AutoTopUpView {
  return {
    enabled: account?.autoTopUpEnabled ?? false,
    thresholdCredits: account?.autoTopUpThresholdCredits ?? null,
    packageId: account?.autoTopUpPackageId ?? null,
    monthlyCeilingCents: account?.autoTopUpMonthlyCeilingCents ?? null,
    spentThisMonthCents,
    consecutiveFailures: account?.autoTopUpFailures ?? 0,
    disabledReason: account?.autoTopUpDisabledReason ?? null,
    lastAttemptAt: last?.createdAt.toISOString() ?? null,
    lastAttemptStatus: last === null ? null : last.status === 'pending' ? 'pending' : last.status === 'failed' ? 'failed' : 'succeeded',
  };
}

function paymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    item: row.item,
    credits: row.credits,
    amountCents: row.amountCents,
    currency: row.currency,
    clawedBackCredits: row.clawedBackCredits,
    createdAt: row.createdAt.toISOString(),
  };
}
