import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import Stripe from 'stripe';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { BalanceChanged } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { BillingAlerts } from './billing-alerts.js';
import { BillingRepository } from './billing.repository.js';
import { billingCurrency, creditPackage } from './catalog.js';
import { CreditsService } from './credits.service.js';
import { StripeRepository } from './stripe.repository.js';

/** Failed payments in a row after which auto top-up switches itself off. */
export const maxAutoTopUpFailures = 3;
/** A payment in flight longer than this (its node died) no longer blocks the next one. */
const inFlightLeaseMs = 5 * 60_000;

/** The ceiling counts calendar months in UTC. */
export function monthStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/**
 * Auto top-up: when an org's available balance falls below its threshold, one off-session payment
 * with the saved card buys the chosen package. "One" however many holds cross the line together:
 * the org's single in-flight slot is taken by an atomic UPDATE, and the balance is read again
 * after taking it, so a late balance event from before a top-up cannot buy a second one.
 */
@Injectable()
export class AutoTopUpService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AutoTopUp');
  private readonly running = new Set<Promise<void>>();
  private unsubscribe: (() => void) | undefined;
  private readonly listener = (event: BalanceChanged): void => {
    const check = this.check(event.organizationId, event.availableCredits)
      .catch((error: unknown) => {
        this.logger.error(`auto top-up of ${event.organizationId} failed: ${error instanceof Error ? error.message : String(error)}`);
      })
      .finally(() => this.running.delete(check));
    this.running.add(check);
  };

  constructor(
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(BillingRepository) private readonly billing: BillingRepository,
    @Inject(StripeRepository) private readonly stripe: StripeRepository,
    @Inject(CreditsService) private readonly credits: CreditsService,
    @Inject(BillingAlerts) private readonly alerts: BillingAlerts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.stripe.configured) this.unsubscribe = this.events.subscribe('balance.changed', this.listener);
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await Promise.allSettled([...this.running]);
  }

  /** Buys the package if the balance is below the threshold and no payment is in flight. */
  async check(organizationId: string, availableCredits: number): Promise<void> {
    const account = await this.billing.account(organizationId);
    if (account === null || !account.autoTopUpEnabled || account.autoTopUpThresholdCredits === null) return;
    if (availableCredits >= account.autoTopUpThresholdCredits) return;
    const claimId = crypto.randomUUID();
    const claimed = await this.billing.claimAutoTopUp(organizationId, claimId, inFlightLeaseMs);
    if (claimed === null) return; // a payment is in flight already
    try {
      await this.pay(organizationId, claimId);
    } catch (error) {
      await this.billing.releaseAutoTopUp(organizationId, claimId);
      throw error;
    }
  }

  private async pay(organizationId: string, claimId: string): Promise<void> {
    // Holding the slot, look again: the event that woke us may predate a top-up that just landed.
    const account = await this.billing.account(organizationId);
    const threshold = account?.autoTopUpThresholdCredits ?? null;
    if (account === null || threshold === null || account.autoTopUpPackageId === null || (await this.credits.availableCredits(organizationId)) >= threshold) {
      await this.billing.releaseAutoTopUp(organizationId, claimId);
      return;
    }
    // After a declined payment, wait before the next try (a job's hold and its capture both cross
    // the line: without a pause, one job would use up the three tries at once).
    const last = await this.billing.lastAutoTopUp(organizationId);
    if (last?.status === 'failed' && Date.now() - last.createdAt.getTime() < this.config.billing.autoTopUpRetryDelayMs) {
      await this.billing.releaseAutoTopUp(organizationId, claimId);
      return;
    }
    const item = creditPackage(account.autoTopUpPackageId);
    const spent = await this.billing.autoTopUpSpentSince(organizationId, monthStartUtc(new Date()));
    if (spent + item.priceCents > (account.autoTopUpMonthlyCeilingCents ?? 0)) {
      this.logger.log(`auto top-up of ${organizationId} skipped: the monthly ceiling is reached`);
      await this.billing.releaseAutoTopUp(organizationId, claimId);
      return;
    }
    await this.billing.insertPayment({
      id: claimId,
      organizationId,
      kind: 'auto_top_up',
      status: 'pending',
      item: item.id,
      credits: item.credits,
      amountCents: item.priceCents,
      currency: billingCurrency,
    });
    const paymentMethod = account.defaultPaymentMethodId ?? (account.stripeCustomerId === null ? null : await this.stripe.defaultPaymentMethod(account.stripeCustomerId));
    if (account.stripeCustomerId === null || paymentMethod === null) {
      await this.failed(organizationId, claimId, 'No card is saved with Stripe.');
      return;
    }
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.chargeOffSession({
        customerId: account.stripeCustomerId,
        paymentMethodId: paymentMethod,
        amountCents: item.priceCents,
        description: `Atelier auto top-up: ${item.name} (${String(item.credits)} credits)`,
        metadata: { organizationId, paymentId: claimId, kind: 'auto_top_up', packageId: item.id },
        idempotencyKey: `auto-top-up-${claimId}`,
      });
    } catch (error) {
      if (error instanceof Stripe.errors.StripeCardError) {
        await this.failed(organizationId, claimId, error.message);
        return;
      }
      // Stripe may or may not have taken it: its webhook settles the payment if it did.
      await this.billing.markFailed(claimId, 'Stripe could not be reached.');
      await this.billing.releaseAutoTopUp(organizationId, claimId);
      throw error;
    }
    if (intent.status === 'succeeded') {
      await this.succeeded(organizationId, claimId, intent.id);
    } else if (intent.status !== 'processing') {
      await this.failed(organizationId, claimId, `The card needs ${intent.status.replaceAll('_', ' ')}, and no one is there to do it.`);
    }
    // processing: the slot stays taken until Stripe's payment_intent webhook settles it.
  }

  /** Grants the package of a paid auto top-up (idempotent: the sync answer and the webhook may both call). */
  async succeeded(organizationId: string, paymentId: string, paymentIntentId: string): Promise<void> {
    const payment = await this.billing.paymentBy('id', paymentId);
    if (payment === null) return;
    const granted = await this.credits.grant({
      organizationId,
      key: `payment:${paymentId}`,
      source: 'purchase',
      credits: payment.credits,
      expiresAt: null,
      purchaseId: paymentIntentId,
      reason: `Auto top-up: ${creditPackage(payment.item as Parameters<typeof creditPackage>[0]).name}`,
    });
    await this.billing.markPaid(paymentId, { ledgerGrantId: granted.grantId.toString(), stripePaymentIntentId: paymentIntentId });
    await this.billing.autoTopUpSucceeded(organizationId, paymentId);
  }

  /** A declined auto top-up: counted once; the third in a row switches auto top-up off and tells the owners. */
  async failed(organizationId: string, paymentId: string, message: string): Promise<void> {
    const payment = await this.billing.paymentBy('id', paymentId);
    if (payment === null || !(await this.billing.markFailed(paymentId, message))) {
      // Already settled (the synchronous answer and the webhook both report it): counted once.
      await this.billing.releaseAutoTopUp(organizationId, paymentId);
      return;
    }
    const outcome = await this.billing.autoTopUpFailed(
      organizationId,
      paymentId,
      maxAutoTopUpFailures,
      `Switched off after ${String(maxAutoTopUpFailures)} failed payments in a row (last: ${message})`,
    );
    await this.alerts.raise({
      organizationId,
      kind: 'payment_failed',
      key: `auto-top-up:${paymentId}`,
      title: 'Auto top-up payment failed',
      message: `The automatic purchase of ${String(payment.credits)} credits failed: ${message} Update the card in the billing portal.`,
      data: { paymentId, credits: payment.credits, amountCents: payment.amountCents, failures: outcome.failures },
    });
    if (outcome.disabledNow) {
      await this.alerts.raise({
        organizationId,
        kind: 'auto_topup_disabled',
        key: `auto-top-up-off:${paymentId}`,
        title: 'Auto top-up switched off',
        message: `Auto top-up switched itself off after ${String(maxAutoTopUpFailures)} failed payments in a row. Update the card, then turn it on again in Billing.`,
        data: { failures: outcome.failures, lastError: message },
      });
    }
  }
}
