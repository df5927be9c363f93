import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import type { AutoTopUpSettings, CreditPackageId, PaymentView, SubscriptionTierId } from '@atelier/contracts';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';

export interface AccountRow {
  organizationId: string;
  stripeCustomerId: string | null;
  defaultPaymentMethodId: string | null;
  autoTopUpEnabled: boolean;
  autoTopUpThresholdCredits: number | null;
  autoTopUpPackageId: CreditPackageId | null;
  autoTopUpMonthlyCeilingCents: number | null;
  autoTopUpFailures: number;
  autoTopUpDisabledReason: string | null;
  autoTopUpInFlightId: string | null;
}

export interface SubscriptionRow {
  organizationId: string;
  stripeSubscriptionId: string;
  tier: SubscriptionTierId;
  status: string;
  cancelAtPeriodEnd: boolean;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
}

export type PaymentKind = 'package' | 'subscription' | 'auto_top_up';
export type PaymentStatus = PaymentView['status'];

export interface PaymentRow {
  id: string;
  organizationId: string;
  kind: PaymentKind;
  status: PaymentStatus;
  item: string;
  credits: number;
  amountCents: number;
  currency: string;
  stripeCheckoutSessionId: string | null;
  stripeInvoiceId: string | null;
  stripePaymentIntentId: string | null;
  ledgerGrantId: string | null;
  periodEnd: Date | null;
  refundedCents: number;
  disputedCents: number;
  clawedBackCredits: number;
  failureMessage: string | null;
  createdAt: Date;
  paidAt: Date | null;
}

export type EventClaim = { claimed: true; attempt: number } | { claimed: false; status: string };

const accountColumns = `organization_id as "organizationId", stripe_customer_id as "stripeCustomerId",
  default_payment_method_id as "defaultPaymentMethodId", auto_top_up_enabled as "autoTopUpEnabled",
  auto_top_up_threshold_credits::float8 as "autoTopUpThresholdCredits", auto_top_up_package_id as "autoTopUpPackageId",
  auto_top_up_monthly_ceiling_cents::float8 as "autoTopUpMonthlyCeilingCents", auto_top_up_failures as "autoTopUpFailures",
  auto_top_up_disabled_reason as "autoTopUpDisabledReason", auto_top_up_in_flight_id as "autoTopUpInFlightId"`;

const paymentColumns = `id, organization_id as "organizationId", kind, status, item, credits::float8 as credits,
  amount_cents::float8 as "amountCents", currency, stripe_checkout_session_id as "stripeCheckoutSessionId",
  stripe_invoice_id as "stripeInvoiceId", stripe_payment_intent_id as "stripePaymentIntentId",
  ledger_grant_id::text as "ledgerGrantId", period_end as "periodEnd", refunded_cents::float8 as "refundedCents",
  disputed_cents::float8 as "disputedCents", clawed_back_credits::float8 as "clawedBackCredits",
  failure_message as "failureMessage", created_at as "createdAt", paid_at as "paidAt"`;

const subscriptionColumns = `organization_id as "organizationId", stripe_subscription_id as "stripeSubscriptionId", tier, status,
  cancel_at_period_end as "cancelAtPeriodEnd", current_period_start as "currentPeriodStart", current_period_end as "currentPeriodEnd"`;

/** The purchase reference of the grants that give a payment's credits back after a won dispute. */
export function restoreReferenceOf(payment: Pick<PaymentRow, 'id'>): string {
  return `restore:${payment.id}`;
}

/** Subscriptions in these states are over: a live one never gives way to them. */
const endedStatuses = ['canceled', 'incomplete_expired'];

/** Every read and write of the billing tables (plain SQL: the claims are single atomic statements). */
@Injectable()
export class BillingRepository {
  constructor(@Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository) {}

  private async rows<Row extends object>(sql: string, values: unknown[], client?: pg.ClientBase): Promise<Row[]> {
    const result = await (client ?? this.postgres.pool).query<Row>(sql, values);
    return result.rows;
  }

  /* ---------- accounts ---------- */

  async account(organizationId: string): Promise<AccountRow | null> {
    const [row] = await this.rows<AccountRow>(`select ${accountColumns} from billing_accounts where organization_id = $1`, [organizationId]);
    return row ?? null;
  }

  async ensureAccount(organizationId: string): Promise<AccountRow> {
    await this.rows(`insert into billing_accounts (organization_id) values ($1) on conflict do nothing`, [organizationId]);
    const account = await this.account(organizationId);
    if (account === null) throw new Error(`billing account of ${organizationId} vanished`);
    return account;
  }

  /** Records the org's Stripe customer unless one was recorded first; returns the one kept. */
  async setCustomer(organizationId: string, customerId: string): Promise<string> {
    const [row] = await this.rows<{ id: string }>(
      `update billing_accounts set stripe_customer_id = coalesce(stripe_customer_id, $2), updated_at = now()
       where organization_id = $1 returning stripe_customer_id as id`,
      [organizationId, customerId],
    );
    if (row === undefined) throw new Error(`no billing account for ${organizationId}`);
    return row.id;
  }

  /** What a new Stripe customer is named after: the org, and the email of the owner creating it. */
  async customerDetails(organizationId: string, userId: string): Promise<{ name: string; email: string }> {
    const [row] = await this.rows<{ name: string; email: string }>(
      `select o.name, u.email from organizations o, users u where o.id = $1 and u.id = $2`,
      [organizationId, userId],
    );
    if (row === undefined) throw new Error(`no organization ${organizationId} or user ${userId}`);
    return row;
  }

  async organizationOfCustomer(customerId: string): Promise<string | null> {
    const [row] = await this.rows<{ id: string }>(`select organization_id as id from billing_accounts where stripe_customer_id = $1`, [customerId]);
    return row?.id ?? null;
  }

  async setPaymentMethod(organizationId: string, paymentMethodId: string): Promise<void> {
    await this.rows(
      `insert into billing_accounts (organization_id, default_payment_method_id) values ($1, $2)
       on conflict (organization_id) do update set default_payment_method_id = excluded.default_payment_method_id, updated_at = now()`,
      [organizationId, paymentMethodId],
    );
  }

  /** Saves the settings; turning auto top-up on starts its failure count afresh. */
  async saveAutoTopUp(organizationId: string, settings: AutoTopUpSettings): Promise<void> {
    await this.rows(
      `update billing_accounts set auto_top_up_enabled = $2, auto_top_up_threshold_credits = $3, auto_top_up_package_id = $4,
         auto_top_up_monthly_ceiling_cents = $5,
         auto_top_up_failures = case when $2 then 0 else auto_top_up_failures end,
         auto_top_up_disabled_reason = case when $2 then null else auto_top_up_disabled_reason end,
         updated_at = now()
       where organization_id = $1`,
      [organizationId, settings.enabled, settings.thresholdCredits, settings.packageId, settings.monthlyCeilingCents],
    );
  }

  /**
   * Takes the org's one auto top-up slot: succeeds for exactly one caller while no payment is in
   * flight (or the one in flight outlived its lease: its node died).
   */
  async claimAutoTopUp(organizationId: string, claimId: string, leaseMs: number): Promise<AccountRow | null> {
    const [row] = await this.rows<AccountRow>(
      `update billing_accounts set auto_top_up_in_flight_id = $2, auto_top_up_in_flight_since = now()
       where organization_id = $1 and auto_top_up_enabled
         and (auto_top_up_in_flight_id is null or auto_top_up_in_flight_since < now() - make_interval(secs => $3::float8 / 1000))
       returning ${accountColumns}`,
      [organizationId, claimId, leaseMs],
    );
    return row ?? null;
  }

  async releaseAutoTopUp(organizationId: string, claimId: string): Promise<void> {
    await this.rows(
      `update billing_accounts set auto_top_up_in_flight_id = null, auto_top_up_in_flight_since = null
       where organization_id = $1 and auto_top_up_in_flight_id = $2`,
      [organizationId, claimId],
    );
  }

  /** A top-up succeeded: failures start again from 0 and the slot is free. */
  async autoTopUpSucceeded(organizationId: string, claimId: string): Promise<void> {
    await this.rows(
      `update billing_accounts set auto_top_up_failures = 0,
         auto_top_up_in_flight_id = case when auto_top_up_in_flight_id = $2 then null else auto_top_up_in_flight_id end,
         auto_top_up_in_flight_since = case when auto_top_up_in_flight_id = $2 then null else auto_top_up_in_flight_since end
       where organization_id = $1`,
      [organizationId, claimId],
    );
  }

  /**
   * A top-up failed: counts it, frees the slot, and switches auto top-up off at `maxFailures`.
   * Returns whether this failure switched it off.
   */
  async autoTopUpFailed(organizationId: string, claimId: string, maxFailures: number, reason: string): Promise<{ failures: number; disabledNow: boolean }> {
    const [row] = await this.rows<{ failures: number; disabled_now: boolean }>(
      `with before as (select auto_top_up_enabled from billing_accounts where organization_id = $1 for update)
       update billing_accounts a set auto_top_up_failures = a.auto_top_up_failures + 1,
         auto_top_up_enabled = a.auto_top_up_enabled and a.auto_top_up_failures + 1 < $3,
         auto_top_up_disabled_reason = case when a.auto_top_up_enabled and a.auto_top_up_failures + 1 >= $3 then $4 else a.auto_top_up_disabled_reason end,
         auto_top_up_in_flight_id = case when a.auto_top_up_in_flight_id = $2 then null else a.auto_top_up_in_flight_id end,
         auto_top_up_in_flight_since = case when a.auto_top_up_in_flight_id = $2 then null else a.auto_top_up_in_flight_since end,
         updated_at = now()
       from before
       where a.organization_id = $1
       returning a.auto_top_up_failures as failures, (before.auto_top_up_enabled and not a.auto_top_up_enabled) as disabled_now`,
      [organizationId, claimId, maxFailures, reason],
    );
    return { failures: row?.failures ?? 0, disabledNow: row?.disabled_now ?? false };
  }

  /** Cents of auto top-ups paid or under way since `since`. */
  async autoTopUpSpentSince(organizationId: string, since: Date): Promise<number> {
    const [row] = await this.rows<{ cents: number }>(
      `select coalesce(sum(amount_cents), 0)::float8 as cents from billing_payments
       where organization_id = $1 and kind = 'auto_top_up' and status in ('pending', 'paid', 'partially_refunded', 'disputed') and created_at >= $2`,
      [organizationId, since],
    );
    return row?.cents ?? 0;
  }

  async lastAutoTopUp(organizationId: string): Promise<PaymentRow | null> {
    const [row] = await this.rows<PaymentRow>(
      `select ${paymentColumns} from billing_payments where organization_id = $1 and kind = 'auto_top_up' order by created_at desc limit 1`,
      [organizationId],
    );
    return row ?? null;
  }

  /* ---------- payments ---------- */

  async insertPayment(
    payment: Pick<PaymentRow, 'id' | 'organizationId' | 'kind' | 'status' | 'item' | 'credits' | 'amountCents' | 'currency'> &
      Partial<Pick<PaymentRow, 'stripeCheckoutSessionId' | 'stripeInvoiceId' | 'stripePaymentIntentId' | 'periodEnd'>>,
  ): Promise<PaymentRow> {
    const [row] = await this.rows<PaymentRow>(
      `insert into billing_payments (id, organization_id, kind, status, item, credits, amount_cents, currency,
         stripe_checkout_session_id, stripe_invoice_id, stripe_payment_intent_id, period_end)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       on conflict do nothing
       returning ${paymentColumns}`,
      [
        payment.id, payment.organizationId, payment.kind, payment.status, payment.item, payment.credits, payment.amountCents, payment.currency,
        payment.stripeCheckoutSessionId ?? null, payment.stripeInvoiceId ?? null, payment.stripePaymentIntentId ?? null, payment.periodEnd ?? null,
      ],
    );
    if (row !== undefined) return row;
    // Another delivery recorded it first: the one row is the answer.
    const existing =
      (payment.stripeInvoiceId == null ? null : await this.paymentBy('stripe_invoice_id', payment.stripeInvoiceId)) ??
      (payment.stripeCheckoutSessionId == null ? null : await this.paymentBy('stripe_checkout_session_id', payment.stripeCheckoutSessionId)) ??
      (payment.stripePaymentIntentId == null ? null : await this.paymentBy('stripe_payment_intent_id', payment.stripePaymentIntentId)) ??
      (await this.paymentBy('id', payment.id));
    if (existing === null) throw new Error(`payment ${payment.id} neither inserted nor found`);
    return existing;
  }

  async paymentBy(column: 'id' | 'stripe_checkout_session_id' | 'stripe_invoice_id' | 'stripe_payment_intent_id', value: string, client?: pg.ClientBase): Promise<PaymentRow | null> {
    const [row] = await this.rows<PaymentRow>(`select ${paymentColumns} from billing_payments where ${column} = $1`, [value], client);
    return row ?? null;
  }

  /**
   * The ledger grants of a payment, newest first: the grant it bought, then the grants a won
   * dispute gave back (their purchase reference is `restoreReferenceOf(payment)`), each with what
   * claw-backs have covered of it. Read in the caller's transaction, under the org's billing lock.
   */
  async paymentGrants(client: pg.ClientBase, payment: PaymentRow): Promise<{ grantId: bigint; amountCredits: number; clawedBackCredits: number; restore: boolean }[]> {
    if (payment.ledgerGrantId === null) return [];
    const rows = await this.rows<{ grantId: string; amountCredits: number; clawedBackCredits: number }>(
      `select g.grant_id::text as "grantId", g.amount_credits::float8 as "amountCredits", g.clawed_back_credits::float8 as "clawedBackCredits"
       from ledger.grants g
       where g.org_id = $1 and (g.grant_id = $2::bigint or g.grant_id in (
         select t.grant_id from ledger.transfers t where t.org_id = $1 and t.kind = 'grant' and t.purchase_id = $3 and t.grant_id is not null))
       order by g.grant_id desc`,
      [payment.organizationId, payment.ledgerGrantId, restoreReferenceOf(payment)],
      client,
    );
    return rows.map((row) => ({ grantId: BigInt(row.grantId), amountCredits: row.amountCredits, clawedBackCredits: row.clawedBackCredits, restore: row.grantId !== payment.ledgerGrantId }));
  }

  /** Stores a payment's refunds and disputes as Stripe has them now, the credits they take, and the status from those sums. */
  async recordPaymentMoney(
    client: pg.ClientBase,
    paymentId: string,
    fields: { refundedCents: number; disputedCents: number; clawedBackCredits: number; status: PaymentStatus },
  ): Promise<void> {
    await this.rows(
      `update billing_payments set refunded_cents = $2, disputed_cents = $3, clawed_back_credits = $4, status = $5 where id = $1`,
      [paymentId, fields.refundedCents, fields.disputedCents, fields.clawedBackCredits, fields.status],
      client,
    );
  }

  async setCheckoutSession(paymentId: string, sessionId: string): Promise<void> {
    await this.rows(`update billing_payments set stripe_checkout_session_id = $2 where id = $1`, [paymentId, sessionId]);
  }

  /** Marks a payment paid with the grant it bought (idempotent: a paid payment stays as it is). */
  async markPaid(paymentId: string, fields: { ledgerGrantId: string | null; stripePaymentIntentId: string | null }): Promise<void> {
    await this.rows(
      `update billing_payments set status = case when status in ('pending', 'failed') then 'paid' else status end,
         ledger_grant_id = coalesce(ledger_grant_id, $2::bigint),
         stripe_payment_intent_id = coalesce(stripe_payment_intent_id, $3), paid_at = coalesce(paid_at, now()), failure_message = null
       where id = $1`,
      [paymentId, fields.ledgerGrantId, fields.stripePaymentIntentId],
    );
  }

  /** Marks a pending payment failed; false when it was not pending (already settled either way). */
  async markFailed(paymentId: string, message: string): Promise<boolean> {
    const result = await this.postgres.pool.query(`update billing_payments set status = 'failed', failure_message = $2 where id = $1 and status = 'pending'`, [paymentId, message]);
    return result.rowCount === 1;
  }


  async payments(organizationId: string, limit: number): Promise<PaymentRow[]> {
    return this.rows<PaymentRow>(
      `select ${paymentColumns} from billing_payments where organization_id = $1 and not (status = 'pending' and kind = 'package' and created_at < now() - interval '1 day')
       order by created_at desc limit $2`,
      [organizationId, limit],
    );
  }

  /** The latest paid subscription payment for a period that ended before `periodEnd` (rollover's source). */
  async previousSubscriptionPayments(organizationId: string, periodEnd: Date): Promise<PaymentRow[]> {
    return this.rows<PaymentRow>(
      `select ${paymentColumns} from billing_payments
       where organization_id = $1 and kind = 'subscription' and ledger_grant_id is not null
         and period_end = (select max(period_end) from billing_payments where organization_id = $1 and kind = 'subscription' and period_end < $2)`,
      [organizationId, periodEnd],
    );
  }

  /* ---------- subscriptions ---------- */

  async subscription(organizationId: string): Promise<SubscriptionRow | null> {
    const [row] = await this.rows<SubscriptionRow>(`select ${subscriptionColumns} from billing_subscriptions where organization_id = $1`, [organizationId]);
    return row ?? null;
  }

  async organizationOfSubscription(subscriptionId: string): Promise<string | null> {
    const [row] = await this.rows<{ id: string }>(`select organization_id as id from billing_subscriptions where stripe_subscription_id = $1`, [subscriptionId]);
    return row?.id ?? null;
  }

  /**
   * Stores a subscription's state as just read from Stripe. One subscription per org: a new one
   * replaces an ended one, but an ended one never replaces a live other one (a late event of the
   * old subscription after a new one started). Runs under the caller's per-org lock.
   */
  async saveSubscription(state: SubscriptionRow, client: pg.ClientBase): Promise<boolean> {
    const result = await client.query(
      `insert into billing_subscriptions (organization_id, stripe_subscription_id, tier, status, cancel_at_period_end,
         current_period_start, current_period_end, synced_at)
       values ($1, $2, $3, $4, $5, $6, $7, now())
       on conflict (organization_id) do update set stripe_subscription_id = excluded.stripe_subscription_id, tier = excluded.tier,
         status = excluded.status, cancel_at_period_end = excluded.cancel_at_period_end,
         current_period_start = excluded.current_period_start, current_period_end = excluded.current_period_end, synced_at = now()
       where billing_subscriptions.stripe_subscription_id = excluded.stripe_subscription_id
          or billing_subscriptions.status = any($8::text[])
          or not (excluded.status = any($8::text[]))`,
      [
        state.organizationId, state.stripeSubscriptionId, state.tier, state.status, state.cancelAtPeriodEnd,
        state.currentPeriodStart, state.currentPeriodEnd, endedStatuses,
      ],
    );
    return result.rowCount === 1;
  }

  /* ---------- events ---------- */

  /**
   * Claims an event for processing: exactly one delivery wins while the event is new, failed, or
   * claimed by a delivery whose lease ran out. Others learn its status.
   */
  async claimEvent(event: { id: string; type: string; createdAt: Date }, leaseMs: number): Promise<EventClaim> {
    const [row] = await this.rows<{ attempts: number }>(
      `insert into billing_events (id, type, status, attempts, claimed_until, stripe_created_at)
       values ($1, $2, 'processing', 1, now() + make_interval(secs => $4::float8 / 1000), $3)
       on conflict (id) do update set status = 'processing', attempts = billing_events.attempts + 1,
         claimed_until = now() + make_interval(secs => $4::float8 / 1000), error = null
       where billing_events.status = 'failed' or (billing_events.status = 'processing' and billing_events.claimed_until < now())
       returning attempts`,
      [event.id, event.type, event.createdAt, leaseMs],
    );
    if (row !== undefined) return { claimed: true, attempt: row.attempts };
    return { claimed: false, status: (await this.eventStatus(event.id)) ?? 'processing' };
  }

  async eventStatus(eventId: string): Promise<string | null> {
    const [row] = await this.rows<{ status: string }>(`select status from billing_events where id = $1`, [eventId]);
    return row?.status ?? null;
  }

  async finishEvent(eventId: string, status: 'processed' | 'ignored'): Promise<void> {
    await this.rows(`update billing_events set status = $2, processed_at = now(), claimed_until = null where id = $1`, [eventId, status]);
  }

  async failEvent(eventId: string, error: string): Promise<void> {
    await this.rows(`update billing_events set status = 'failed', error = $2, claimed_until = null where id = $1`, [eventId, error.slice(0, 2000)]);
  }

  /** Runs `work` in a transaction holding the org's billing lock (serializes its subscription syncs). */
  withOrganizationLock<T>(organizationId: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.postgres.transaction(async (client) => {
      await client.query(`select pg_advisory_xact_lock(hashtextextended('billing:' || $1, 0))`, [organizationId]);
      return work(client);
    });
  }
}
