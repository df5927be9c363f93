import type pg from 'pg';
import type { BudgetView, HoldRequest, HoldResult } from './types.js';

/**
 * What a caller writes beside the holds it places, in the same transaction: given the payloads of
 * the holds just accepted (in request order), it inserts their rows (a job and its queue entry,
 * say). Refused holds write nothing; an accepted hold and its payload's rows commit together.
 */
export type CompanionWriter<Payload> = (client: pg.ClientBase, accepted: readonly Payload[]) => Promise<void>;

/**
 * Thrown by a batch when the caller's writer failed (wrapping its error as `cause`): never retried
 * as a whole, and a batch that fails with it is split until the request that caused it fails alone.
 */
export class HoldCompanionError extends Error {
  override readonly name = 'HoldCompanionError';
}

/** A hold's result; an accepted one (placed now) with its member's budget right after it. */
export type HoldWithBudget = { result: HoldResult; memberBudget: BudgetView | undefined };

/** Holds placed in shared transactions, each carrying the caller's writes for it. */
export interface HoldBatcher<Payload> {
  /**
   * Places the hold; when it is accepted, `payload` is written by the batcher's writer in the same
   * commit, and the answer carries the member's budget right after it.
   */
  hold(request: HoldRequest, payload: Payload): Promise<HoldWithBudget>;
}

/** Which payloads to write: those whose hold was accepted now (a replayed hold's were written the first time). */
export function acceptedPayloads<Payload>(payloads: readonly Payload[], results: readonly HoldResult[]): Payload[] {
  return payloads.filter((_payload, index) => {
    const result = results[index];
    return result !== undefined && result.ok && !result.replayed;
  });
}
