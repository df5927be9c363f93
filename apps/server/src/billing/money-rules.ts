/**
 * The money rules of billing, as pure functions of Stripe's state (no I/O, no clock): what a
 * payment still pays for after refunds and disputes, what an upgrade's prorated invoice buys, what
 * a renewal carries over. The webhook reads the state from Stripe and moves the ledger to what
 * these functions say; the laws they keep are property tests (`money-rules.test.ts`).
 */

/** How a dispute stands. Open and lost ones hold back its money; a won (or inquiry-only) one does not. */
export type DisputeOutcome = 'open' | 'won' | 'lost';

export interface PaymentMoney {
  /** What the customer paid, in cents. */
  amountCents: number;
  /** What the payment bought. */
  credits: number;
  /** Refunded so far (Stripe's `amount_refunded`: a running total, never a delta). */
  refundedCents: number;
  /** Every dispute of the payment with its amount and where it stands now. */
  disputes: readonly { id: string; amountCents: number; outcome: DisputeOutcome }[];
}

export type PaymentStanding = 'paid' | 'partially_refunded' | 'refunded' | 'disputed';

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** Cents the merchant keeps: paid, less refunds, less open and lost disputes (never below 0). */
export function keptCents(payment: PaymentMoney): number {
  const disputed = payment.disputes.filter((dispute) => dispute.outcome !== 'won').reduce((sum, dispute) => sum + dispute.amountCents, 0);
  return clamp(payment.amountCents - payment.refundedCents - disputed, 0, payment.amountCents);
}

/**
 * Credits the payment still covers: its credits in proportion to the money kept, rounded down (a
 * refunded cent never leaves a credit behind). Depends on the totals only, so the order, repetition
 * and splitting of refunds and disputes cannot change it.
 */
export function coveredCredits(payment: PaymentMoney): number {
  if (payment.amountCents <= 0) return payment.refundedCents > 0 || payment.disputes.some((dispute) => dispute.outcome !== 'won') ? 0 : payment.credits;
  return Math.floor((payment.credits * keptCents(payment)) / payment.amountCents);
}

/** Credits refunds and disputes take back from what the payment bought. */
export function clawedBackCredits(payment: PaymentMoney): number {
  return payment.credits - coveredCredits(payment);
}

/** The payment's status, from its sums: fully refunded wins, then an open or lost dispute, then a partial refund. */
export function paymentStanding(payment: PaymentMoney): PaymentStanding {
  if (payment.amountCents > 0 && payment.refundedCents >= payment.amountCents) return 'refunded';
  if (payment.disputes.some((dispute) => dispute.outcome !== 'won')) return 'disputed';
  if (payment.refundedCents > 0) return 'partially_refunded';
  return 'paid';
}

/** Maps Stripe's dispute status to its outcome (a warning is an inquiry: no money is withdrawn). */
export function disputeOutcome(status: string): DisputeOutcome {
  if (status === 'lost') return 'lost';
  if (status === 'won' || status === 'prevented' || status.startsWith('warning_')) return 'won';
  return 'open';
}

export interface ProrationLine {
  /** Monthly credits of the tier the line's price stands for. */
  tierCredits: number;
  /** The tier's full monthly price in cents (the price's unit amount). */
  unitAmountCents: number;
  /** What Stripe billed for the line: positive for time at the new tier, negative for unused time at the old one. */
  amountCents: number;
}

/**
 * Credits an upgrade's prorated invoice buys: each line's tier credits for the share of the period
 * it bills (its amount over the tier's full price), the unused old tier taken off, never below 0.
 * The sum is rounded down once (Stripe rounds each line to the cent; rounding each line's credits
 * would lose or add a credit per line). A downgrade (a net credit) grants nothing.
 */
export function prorationCredits(lines: readonly ProrationLine[]): number {
  let total = 0;
  for (const line of lines) {
    if (line.unitAmountCents <= 0 || line.tierCredits <= 0) continue;
    const share = clamp(line.amountCents, -line.unitAmountCents, line.unitAmountCents);
    total += (line.tierCredits * share) / line.unitAmountCents;
  }
  // The tolerance absorbs float error on sums that are whole numbers (4,499.9999… is 4,500).
  return Math.max(0, Math.floor(total + 1e-6));
}

/**
 * Credits a renewal carries from the last period: what was left of its grants when that period
 * ended (unspent and unheld, or moved to expiry by the sweeper: the same credits), up to the cap.
 */
export function carryOverCredits(unspentAtPeriodEnd: number, capCredits: number | null): number {
  const unspent = Math.max(0, unspentAtPeriodEnd);
  return capCredits === null ? unspent : Math.min(unspent, Math.max(0, capCredits));
}

/** What Stripe's events tell about one payment; `applyPaymentEvent` folds them (as reading Stripe would). */
export type PaymentEvent =
  | { kind: 'refund'; totalRefundedCents: number }
  | { kind: 'dispute'; id: string; amountCents: number; outcome: DisputeOutcome };

/**
 * The payment's state after an event, when the event's copy is all one has: refunds are running
 * totals (the largest seen is the latest), and a dispute's outcome only moves forward (a closed
 * dispute never reopens). This is what makes the end state independent of delivery order.
 */
export function applyPaymentEvent(payment: PaymentMoney, event: PaymentEvent): PaymentMoney {
  if (event.kind === 'refund') return { ...payment, refundedCents: Math.max(payment.refundedCents, event.totalRefundedCents) };
  const known = payment.disputes.find((dispute) => dispute.id === event.id);
  if (known === undefined) return { ...payment, disputes: [...payment.disputes, { id: event.id, amountCents: event.amountCents, outcome: event.outcome }] };
  const outcome = known.outcome === 'open' ? event.outcome : known.outcome;
  return { ...payment, disputes: payment.disputes.map((dispute) => (dispute.id === event.id ? { ...dispute, outcome } : dispute)) };
}
