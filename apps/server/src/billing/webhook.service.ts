import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type Stripe from 'stripe';
import type { CreditPackageId, PaidTierId } from '@atelier/contracts';
import { creditPackageIds } from '@atelier/contracts';
import type { BalanceChanged } from '../events/app-events.js';
import { ApiError } from '../common/error.filter.js';
import { ClockRepository } from '../repositories/clock.repository.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import type { TransactionClient } from '../repositories/postgres-pool.repository.js';
import { AutoTopUpService } from './auto-top-up.service.js';
import { BillingAlerts } from './billing-alerts.js';
import { BillingRepository, restoreReferenceOf, type PaymentRow } from './billing.repository.js';
import { carryOverCredits, clawedBackCredits, disputeOutcome, paymentStanding, prorationCredits, type PaymentMoney, type ProrationLine } from './money-rules.js';
import { billingCurrency, creditPackage, subscriptionTier } from './catalog.js';
import { CreditsService, operationIdOf } from './credits.service.js';
import { notConfigured, StripeRepository, type StripeEvent } from './stripe.repository.js';
import { SubscriptionSyncService } from './subscription-sync.service.js';

/** A delivery that finds its event being processed by another waits this long for the outcome. */
const waitForOtherDeliveryMs = 15_000;
/** A processing claim lapses after this (the node processing it died); the next delivery takes over. */
const eventLeaseMs = 60_000;

const idOf = (value: string | { id: string } | null | undefined): string | null =>
  value === null || value === undefined ? null : typeof value === 'string' ? value : value.id;

/** Stripe's event ids and types are short ASCII; `created` is Unix seconds. */
const maxEventIdLength = 255;
const maxEventCreatedSeconds = 253_402_300_799; // 9999-12-31T23:59:59Z

/** Why a verified payload is not an event envelope we can process, or undefined when it is. */
export function envelopeProblem(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return 'is not a JSON object';
  const fields = event as Record<string, unknown>;
  if (typeof fields.id !== 'string' || fields.id === '' || fields.id.length > maxEventIdLength) return 'has no usable id';
  if (typeof fields.type !== 'string' || fields.type === '' || fields.type.length > maxEventIdLength) return `(${fields.id}) has no usable type`;
  if (typeof fields.created !== 'number' || !Number.isSafeInteger(fields.created) || fields.created < 0 || fields.created > maxEventCreatedSeconds) {
    return `(${fields.id}) has no usable created time`;
  }
  const data = fields.data;
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return `(${fields.id}) has no data`;
  const object = (data as Record<string, unknown>).object;
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return `(${fields.id}) has no data.object`;
  return undefined;
}

/**
 * An error that comes from the event's content rather than from our side: reading a field of the
 * wrong shape (TypeError, RangeError) or Postgres refusing a value (SQLSTATE class 22, e.g. a
 * metadata id that is not a UUID). A lost connection or a conflict is not one of these.
 */
function isUnusableData(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth += 1) {
    if (current instanceof TypeError || current instanceof RangeError || current instanceof SyntaxError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('22')) return true;
  }
  return false;
}

export type WebhookOutcome = 'processed' | 'ignored' | 'duplicate';

/**
 * Stripe's webhook: checks the signature on the raw body, then processes each event id once (the
 * `billing_events` table: one delivery claims it, concurrent deliveries wait for its outcome, a
 * failure is retried by Stripe's next delivery). Every effect is idempotent on its own too (ledger
 * operation ids derived from Stripe ids), and state is re-read from Stripe rather than taken from
 * a possibly stale payload, so late, repeated and out-of-order events all end in the same state.
 */
@Injectable()
export class WebhookService {
  private readonly logger = new Logger('BillingWebhook');

  constructor(
    @Inject(StripeRepository) private readonly stripe: StripeRepository,
    @Inject(BillingRepository) private readonly billing: BillingRepository,
    @Inject(CreditsService) private readonly credits: CreditsService,
    @Inject(SubscriptionSyncService) private readonly subscriptions: SubscriptionSyncService,
    @Inject(AutoTopUpService) private readonly autoTopUp: AutoTopUpService,
    @Inject(BillingAlerts) private readonly alerts: BillingAlerts,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(ClockRepository) private readonly clock: ClockRepository,
  ) {}

  async receive(rawBody: unknown, signature: string | undefined): Promise<WebhookOutcome> {
    if (!this.stripe.configured) throw notConfigured();
    if (!Buffer.isBuffer(rawBody) || signature === undefined || signature === '') {
      throw invalidSignature('The request has no body or no Stripe-Signature header.');
    }
    let event: StripeEvent;
    try {
      event = this.stripe.verifyEvent(rawBody, signature);
    } catch (error) {
      throw invalidSignature(error instanceof Error ? error.message : 'The signature does not match.');
    }
    const problem = envelopeProblem(event);
    if (problem !== undefined) {
      // Signed by Stripe but not an event we can read: acknowledged, so Stripe stops retrying it.
      this.logger.warn(`ignored a signed webhook event that ${problem}`);
      return 'ignored';
    }
    return this.processOnce(event);
  }

  private async processOnce(event: StripeEvent): Promise<WebhookOutcome> {
    const deadline = Date.now() + waitForOtherDeliveryMs;
    for (;;) {
      const claim = await this.billing.claimEvent({ id: event.id, type: event.type, createdAt: new Date(event.created * 1000) }, eventLeaseMs);
      if (claim.claimed) break;
      if (claim.status === 'processed' || claim.status === 'ignored') return 'duplicate';
      if (Date.now() > deadline) {
        throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, { code: 'event_in_progress', message: 'This event is being processed by another delivery; Stripe will retry.' });
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      const handled = await this.dispatch(event);
      await this.billing.finishEvent(event.id, handled ? 'processed' : 'ignored');
      return handled ? 'processed' : 'ignored';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (isUnusableData(error)) {
        // Its content cannot be used (a malformed object, an id that is not one of ours in form):
        // retrying would fail the same way, so it is acknowledged and logged, not failed.
        this.logger.warn(`ignored event ${event.id} (${event.type}): its content cannot be used: ${message}`);
        await this.billing.finishEvent(event.id, 'ignored');
        return 'ignored';
      }
      this.logger.error(`event ${event.id} (${event.type}) failed: ${message}`);
      await this.billing.failEvent(event.id, message);
      throw error;
    }
  }

  /** Applies one event; false for a type we do not act on (acknowledged and ignored). */
  private async dispatch(event: StripeEvent): Promise<boolean> {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        await this.checkoutCompleted(event.data.object);
        return true;
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired':
        await this.checkoutFailed(event.data.object, event.type === 'checkout.session.expired' ? 'The checkout expired.' : 'The payment failed.');
        return true;
      case 'invoice.paid':
        await this.invoicePaid(event.data.object);
        return true;
      case 'invoice.payment_failed':
        await this.invoicePaymentFailed(event.data.object);
        return true;
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted':
      case 'customer.subscription.paused':
      case 'customer.subscription.resumed':
        await this.subscriptionChanged(event.data.object);
        return true;
      case 'payment_intent.succeeded':
        return this.paymentIntentSucceeded(event.data.object);
      case 'payment_intent.payment_failed':
        return this.paymentIntentFailed(event.data.object);
      case 'charge.refunded':
      case 'charge.dispute.created':
      case 'charge.dispute.updated':
      case 'charge.dispute.closed':
      case 'charge.dispute.funds_withdrawn':
      case 'charge.dispute.funds_reinstated':
        await this.reconcilePayment(idOf(event.data.object.payment_intent));
        return true;
      default:
        return false;
    }
  }

  /* ---------- packages (Checkout, payment mode) ---------- */

  private async checkoutCompleted(session: Stripe.Checkout.Session): Promise<void> {
    if (session.mode === 'subscription') {
      const subscriptionId = idOf(session.subscription);
      const organizationId = session.metadata?.organizationId ?? session.client_reference_id;
      if (subscriptionId !== null && organizationId != null) await this.subscriptions.sync(subscriptionId, organizationId);
      return;
    }
    if (session.mode !== 'payment' || session.payment_status !== 'paid') return; // an async payment: its own event follows
    const payment = await this.packagePaymentOf(session);
    if (payment === null) return; // not one of ours
    const paymentIntentId = idOf(session.payment_intent);
    const granted = await this.credits.grant({
      organizationId: payment.organizationId,
      key: `checkout:${session.id}`,
      source: 'purchase',
      credits: payment.credits,
      expiresAt: null,
      purchaseId: session.id,
      reason: `Package ${creditPackage(payment.item as CreditPackageId).name}`,
    });
    await this.billing.markPaid(payment.id, { ledgerGrantId: granted.grantId.toString(), stripePaymentIntentId: paymentIntentId });
    await this.reconcilePayment(paymentIntentId); // a refund or dispute that arrived first
    // The card Checkout saved (setup_future_usage) is what auto top-up charges.
    const full = await this.stripe.retrieveCheckoutSession(session.id);
    const intent = full.payment_intent;
    const paymentMethod = intent !== null && typeof intent !== 'string' ? idOf(intent.payment_method) : null;
    if (paymentMethod !== null) await this.billing.setPaymentMethod(payment.organizationId, paymentMethod);
  }

  /** Our payment row of a package Checkout session (created when the session was), or one made from its metadata. */
  private async packagePaymentOf(session: Stripe.Checkout.Session): Promise<PaymentRow | null> {
    const bySession = await this.billing.paymentBy('stripe_checkout_session_id', session.id);
    if (bySession !== null) return bySession;
    const metadata = session.metadata ?? {};
    const packageId = metadata.packageId as CreditPackageId | undefined;
    const organizationId = metadata.organizationId;
    if (metadata.paymentId !== undefined) {
      const byId = await this.billing.paymentBy('id', metadata.paymentId);
      if (byId !== null) return byId;
    }
    if (organizationId === undefined || packageId === undefined || !creditPackageIds.includes(packageId) || (await this.billing.account(organizationId)) === null) {
      return null;
    }
    const item = creditPackage(packageId);
    return this.billing.insertPayment({
      id: metadata.paymentId ?? crypto.randomUUID(),
      organizationId,
      kind: 'package',
      status: 'pending',
      item: item.id,
      credits: item.credits,
      amountCents: session.amount_total ?? item.priceCents,
      currency: session.currency ?? billingCurrency,
      stripeCheckoutSessionId: session.id,
    });
  }

  private async checkoutFailed(session: Stripe.Checkout.Session, message: string): Promise<void> {
    const payment = await this.billing.paymentBy('stripe_checkout_session_id', session.id);
    if (payment !== null) await this.billing.markFailed(payment.id, message);
  }

  /* ---------- subscriptions ---------- */

  private async subscriptionChanged(subscription: Stripe.Subscription): Promise<void> {
    const organizationId = await this.subscriptions.organizationOf(subscription.id, subscription);
    if (organizationId === null) return;
    await this.subscriptions.sync(subscription.id, organizationId);
  }

  /**
   * A paid subscription invoice grants the tier's credits for the period it pays for, expiring at
   * its end: the whole allocation for a new period; for an upgrade's prorated invoice, the credits
   * of the part of the period its proration lines bill (never the whole difference; a downgrade
   * grants nothing); plus (for a new period) the last period's unspent credits up to the cap.
   */
  private async invoicePaid(payload: Stripe.Invoice): Promise<void> {
    const subscriptionId = idOf(payload.parent?.subscription_details?.subscription);
    if (subscriptionId === null) return;
    const organizationId = await this.subscriptions.organizationOf(subscriptionId);
    if (organizationId === null) return;
    const invoice = await this.stripe.retrieveInvoice(payload.id);
    const subscription = await this.subscriptions.sync(subscriptionId, organizationId);
    const tier = (await this.tierOfInvoice(invoice)) ?? (subscription?.tier === 'free' ? undefined : subscription?.tier);
    if (tier === undefined) return;
    const periodEndSeconds = Math.max(...invoice.lines.data.map((line) => line.period.end));
    const periodEnd = new Date(periodEndSeconds * 1000);
    const allocation = subscriptionTier(tier).monthlyCredits;
    const upgrade = invoice.billing_reason === 'subscription_update';
    // Stripe makes one invoice per period (first or renewal): it buys the allocation, whatever
    // order it arrives in beside the period's upgrades. Other invoices (manual, threshold) buy none.
    const newPeriod = invoice.billing_reason === 'subscription_create' || invoice.billing_reason === 'subscription_cycle';
    // A late invoice for a period already over grants nothing: those credits would be born expired.
    const credits = periodEnd.getTime() <= this.clock.now().getTime() ? 0 : upgrade ? await this.prorationOf(invoice) : newPeriod ? allocation : 0;
    const paymentIntentId = idOf(invoice.payments?.data.find((entry) => entry.payment.payment_intent != null)?.payment.payment_intent);
    const payment = await this.billing.insertPayment({
      id: crypto.randomUUID(),
      organizationId,
      kind: 'subscription',
      status: 'pending',
      item: tier,
      credits,
      amountCents: invoice.amount_paid,
      currency: invoice.currency,
      stripeInvoiceId: invoice.id,
      stripePaymentIntentId: paymentIntentId,
      periodEnd,
    });
    if (payment.status !== 'pending') return; // a repeated delivery
    if (payment.credits === 0) {
      await this.billing.markPaid(payment.id, { ledgerGrantId: null, stripePaymentIntentId: paymentIntentId });
      return;
    }
    const granted = await this.credits.grant({
      organizationId,
      key: `invoice:${invoice.id}`,
      source: 'subscription',
      credits: payment.credits,
      expiresAt: periodEnd,
      purchaseId: invoice.id,
      reason: `${subscriptionTier(tier).name} ${upgrade ? 'upgrade' : 'monthly credits'}`,
    });
    await this.billing.markPaid(payment.id, { ledgerGrantId: granted.grantId.toString(), stripePaymentIntentId: paymentIntentId });
    if (invoice.billing_reason === 'subscription_cycle') await this.rollOver(organizationId, invoice.id, tier, periodEnd);
    await this.reconcilePayment(paymentIntentId); // a refund or dispute that arrived first
  }

  /** The credits an upgrade's invoice buys: its lines as Stripe billed them, through the proration rule. */
  private async prorationOf(invoice: Stripe.Invoice): Promise<number> {
    const lines: ProrationLine[] = [];
    for (const line of invoice.lines.data) {
      const price = line.pricing?.price_details?.price;
      if (price === undefined) continue;
      const tier = await this.stripe.tierOfPrice(price);
      if (tier === undefined) continue;
      const unitAmount = Number(line.pricing?.unit_amount_decimal ?? Number.NaN);
      lines.push({
        tierCredits: subscriptionTier(tier).monthlyCredits,
        unitAmountCents: Number.isFinite(unitAmount) && unitAmount > 0 ? unitAmount : subscriptionTier(tier).priceCents,
        amountCents: line.amount,
      });
    }
    return prorationCredits(lines);
  }

  private async tierOfInvoice(invoice: Stripe.Invoice): Promise<PaidTierId | undefined> {
    for (const line of invoice.lines.data) {
      const price = line.pricing?.price_details?.price;
      if (line.amount < 0 || price === undefined) continue;
      const tier = await this.stripe.tierOfPrice(price);
      if (tier !== undefined) return tier;
    }
    return undefined;
  }

  /** Carries the last period's unspent subscription credits into the new one, up to the tier's cap. */
  private async rollOver(organizationId: string, invoiceId: string, tier: PaidTierId, periodEnd: Date): Promise<void> {
    const cap = subscriptionTier(tier).rolloverCapCredits;
    if (cap === 0) return;
    let carried = 0;
    for (const previous of await this.billing.previousSubscriptionPayments(organizationId, periodEnd)) {
      if (previous.ledgerGrantId === null) continue;
      const state = await this.ledger.grantState(organizationId, BigInt(previous.ledgerGrantId));
      if (state === null) continue;
      const room = cap === null ? null : cap - carried;
      if (room !== null && room <= 0) break;
      if (!state.expired) {
        // Not swept yet (its period may be over or not): move its unspent credits rather than copy them.
        const carry = carryOverCredits(state.unspentCredits, room);
        if (carry <= 0) continue;
        const revoked = await this.ledger.reverse({
          operationId: operationIdOf(`rollover-revoke:${invoiceId}:${previous.ledgerGrantId}`),
          transferId: state.transferId,
          credits: carry,
          actorId: organizationId,
          reason: 'carried into the next period',
        });
        if (revoked) carried += carry;
      } else {
        carried += carryOverCredits(state.expiredCredits, room);
      }
    }
    if (carried <= 0) return;
    await this.credits.grant({
      organizationId,
      key: `rollover:${invoiceId}`,
      source: 'subscription',
      credits: carried,
      expiresAt: periodEnd,
      purchaseId: invoiceId,
      reason: 'unspent credits carried over from the last period',
    });
  }

  private async invoicePaymentFailed(invoice: Stripe.Invoice): Promise<void> {
    const subscriptionId = idOf(invoice.parent?.subscription_details?.subscription);
    if (subscriptionId === null) return;
    const organizationId = await this.subscriptions.organizationOf(subscriptionId);
    if (organizationId === null) return;
    const subscription = await this.subscriptions.sync(subscriptionId, organizationId);
    // A stale failure (the invoice since paid, or the subscription recovered by a later payment) alerts no one.
    const current = await this.stripe.retrieveInvoice(invoice.id);
    if (current.status !== 'open' || subscription === null || !['past_due', 'unpaid', 'incomplete'].includes(subscription.status)) return;
    const amount = `${(invoice.amount_due / 100).toFixed(2)} ${invoice.currency.toUpperCase()}`;
    await this.alerts.raise({
      organizationId,
      kind: 'payment_failed',
      key: `invoice:${invoice.id}:${String(invoice.attempt_count)}`,
      title: 'Subscription payment failed',
      message: `The payment of ${amount} for the ${subscription.tier} plan failed, so the org is past due. Stripe will try again; update the card in the billing portal.`,
      data: { invoiceId: invoice.id, amountDue: invoice.amount_due, attempt: invoice.attempt_count },
    });
  }

  /* ---------- auto top-up payments ---------- */

  private async paymentIntentSucceeded(intent: Stripe.PaymentIntent): Promise<boolean> {
    const { organizationId, paymentId, kind } = intent.metadata;
    if (kind !== 'auto_top_up' || organizationId === undefined || paymentId === undefined) return false;
    await this.autoTopUp.succeeded(organizationId, paymentId, intent.id);
    await this.reconcilePayment(intent.id);
    return true;
  }

  private async paymentIntentFailed(intent: Stripe.PaymentIntent): Promise<boolean> {
    const { organizationId, paymentId, kind } = intent.metadata;
    if (kind !== 'auto_top_up' || organizationId === undefined || paymentId === undefined) return false;
    await this.autoTopUp.failed(organizationId, paymentId, intent.last_payment_error?.message ?? 'The payment failed.');
    return true;
  }

  /* ---------- refunds and disputes ---------- */

  /**
   * One account per payment: its refunds and disputes are read from Stripe as they are now (not
   * from the event, which may be stale, repeated or out of order), the money rules say how many of
   * its credits it still covers, and the ledger moves the difference from what it covered so far,
   * in the same transaction as our record of it. Any order and number of events ends the same.
   */
  private async reconcilePayment(paymentIntentId: string | null): Promise<void> {
    if (paymentIntentId === null) return;
    const found = await this.billing.paymentBy('stripe_payment_intent_id', paymentIntentId);
    // Not ours, or not paid yet: recording it as paid reconciles it then.
    if (found === null || found.status === 'pending' || found.status === 'failed') return;
    const alert = await this.billing.withOrganizationLock(found.organizationId, async (client) => {
      const payment = await this.billing.paymentBy('id', found.id, client);
      if (payment === null) return null;
      const state = await this.stripe.paymentMoneyState(paymentIntentId);
      const money: PaymentMoney = {
        amountCents: payment.amountCents,
        credits: payment.credits,
        refundedCents: state.refundedCents,
        disputes: state.disputes.map((dispute) => ({ id: dispute.id, amountCents: dispute.amountCents, outcome: disputeOutcome(dispute.status) })),
      };
      const target = clawedBackCredits(money);
      const grants = await this.billing.paymentGrants(client, payment);
      const restoredCredits = grants.filter((grant) => grant.restore).reduce((sum, grant) => sum + grant.amountCredits, 0);
      const applied = grants.reduce((sum, grant) => sum + grant.clawedBackCredits, 0) - restoredCredits;
      let moved: MovedCredits = { takenCredits: 0, reclaimedCredits: 0, deficitAddedCredits: 0, waitingCredits: 0 };
      let balance: BalanceChanged | null = null;
      if (target > applied) {
        const reason = paymentStanding(money) === 'disputed' ? 'payment disputed' : 'payment refunded';
        ({ moved, balance } = await this.clawBackGrants(client, payment, grants, { due: target - applied, purchaseId: paymentIntentId, reason }));
      } else if (target < applied) {
        balance = await this.restoreCredits(client, payment, applied - target, grants.length - 1);
      }
      await this.billing.recordPaymentMoney(client, payment.id, {
        refundedCents: money.refundedCents,
        disputedCents: money.disputes.filter((dispute) => dispute.outcome !== 'won').reduce((sum, dispute) => sum + dispute.amountCents, 0),
        clawedBackCredits: target,
        status: paymentStanding(money),
      });
      return { payment, target, moved, balance, standing: paymentStanding(money) };
    });
    if (alert === null) return;
    // Announced once committed: open pages never see a balance that could still roll back.
    if (alert.balance !== null) this.credits.announce(alert.balance);
    if (alert.moved.deficitAddedCredits === 0 && alert.moved.waitingCredits === 0) return;
    const deficit = await this.credits.deficit(alert.payment.organizationId);
    const { moved } = alert;
    const waiting = moved.waitingCredits > 0 ? ` ${String(moved.waitingCredits)} are held by jobs still running: what they spend is owed too, what they release is taken back.` : '';
    await this.alerts.raise({
      organizationId: alert.payment.organizationId,
      kind: 'billing_deficit',
      key: `payment:${alert.payment.id}:${String(alert.target)}`,
      title: moved.deficitAddedCredits > 0 ? `Credits owed after a ${alert.standing === 'disputed' ? 'dispute' : 'refund'}` : 'Refunded credits held by running jobs',
      message:
        `A ${alert.standing === 'disputed' ? 'dispute' : 'refund'} took back ${String(moved.takenCredits)} credits: ${String(moved.reclaimedCredits)} unspent, ` +
        `${String(moved.deficitAddedCredits)} already spent.${waiting} The org owes ${String(deficit.credits)} credits` +
        (deficit.credits > 0 ? ': new generations are paused until credits are added.' : '.'),
      data: { deficitCredits: deficit.credits, paymentId: alert.payment.id },
    });
  }

  /** Takes `due` credits back from the payment's grants, newest first (credits a won dispute gave back go before the grant the payment bought). */
  private async clawBackGrants(
    client: TransactionClient,
    payment: PaymentRow,
    grants: readonly { grantId: bigint; amountCredits: number; clawedBackCredits: number }[],
    claim: { due: number; purchaseId: string; reason: string },
  ): Promise<{ moved: MovedCredits; balance: BalanceChanged | null }> {
    const moved: MovedCredits = { takenCredits: 0, reclaimedCredits: 0, deficitAddedCredits: 0, waitingCredits: 0 };
    let balance: BalanceChanged | null = null;
    let due = claim.due;
    for (const grant of grants) {
      const take = Math.min(due, grant.amountCredits - grant.clawedBackCredits);
      if (take <= 0) continue;
      const result = await this.credits.clawBack(
        {
          organizationId: payment.organizationId,
          key: `payment-claw:${payment.id}:${String(grant.grantId)}:${String(grant.clawedBackCredits)}`,
          grantId: grant.grantId,
          credits: take,
          purchaseId: claim.purchaseId,
          reason: claim.reason,
        },
        client,
      );
      due -= take;
      if (!result.replayed) balance = result.balance;
      moved.takenCredits += take;
      moved.reclaimedCredits += result.reclaimedCredits;
      moved.deficitAddedCredits += result.deficitAddedCredits;
      moved.waitingCredits += result.waitingCredits;
    }
    return { moved, balance };
  }

  /**
   * Gives back credits a won dispute no longer takes: a new grant (it pays off any deficit first),
   * expiring when the payment's own credits do; none when that time has passed (they would be
   * born expired).
   */
  private async restoreCredits(client: TransactionClient, payment: PaymentRow, credits: number, restoresSoFar: number): Promise<BalanceChanged | null> {
    const expiresAt = payment.kind === 'subscription' ? payment.periodEnd : null;
    if (expiresAt !== null && expiresAt.getTime() <= this.clock.now().getTime()) return null;
    const granted = await this.credits.grant(
      {
        organizationId: payment.organizationId,
        key: `payment-restore:${payment.id}:${String(restoresSoFar)}`,
        source: payment.kind === 'subscription' ? 'subscription' : 'purchase',
        credits,
        expiresAt,
        purchaseId: restoreReferenceOf(payment),
        reason: 'dispute won: credits given back',
      },
      client,
    );
    return granted.replayed ? null : granted.balance;
  }
}

/** What a refund or dispute moved: taken, of which unspent, already spent (owed), and still held by running jobs. */
interface MovedCredits {
  takenCredits: number;
  reclaimedCredits: number;
  deficitAddedCredits: number;
  waitingCredits: number;
}

function invalidSignature(message: string): ApiError {
  return new ApiError(HttpStatus.BAD_REQUEST, { code: 'invalid_signature', message: `Stripe signature check failed: ${message}` });
}
