import type pg from 'pg';
import type { BudgetView, HoldRequest, HoldResult } from './types.js';

/**
 * What a caller writes beside the holds it places, in the same transaction: given the payloads of
 * the holds just accepted (in request order), it inserts their rows (a job and its queue entry,
 * say). Refused holds write nothing; an accepted hold and its payload's rows commit together.
 */
export type CompanionWriter<Payload> = (client: pg.ClientBase, accepted: readonly Payload[]) => Promise<void>;

/**
 * Writes in two steps around the pools' lock, so that the lock is held for as little as possible:
 * `before` runs in the batch's transaction before the pools are locked, with every payload of the
 * batch (nothing is decided yet: the rows that do not depend on the decision go here, a job's row
 * say); `after` runs once the holds are decided, still under the lock, with the payloads of the
 * holds accepted now and those of the others, whose rows `before` wrote and it must remove.
 */
export interface CompanionWrites<Payload> {
  before(client: pg.ClientBase, payloads: readonly Payload[]): Promise<void>;
  after(client: pg.ClientBase, accepted: readonly Payload[], notAccepted: readonly Payload[]): Promise<void>;
}

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

/**
 * The batch's payloads split by their hold's result: those accepted now, whose rows are to be
 * written, and the others (refused, or replayed: a replayed hold's rows were written the first time).
 */
export function splitPayloads<Payload>(payloads: readonly Payload[], results: readonly HoldResult[]): { accepted: Payload[]; notAccepted: Payload[] } {
  const accepted: Payload[] = [];
  const notAccepted: Payload[] = [];
  payloads.forEach((payload, index) => {
    const result = results[index];
    (result !== undefined && result.ok && !result.replayed ? accepted : notAccepted).push(payload);
  });
  return { accepted, notAccepted };
}

/** A one-step writer as two steps: nothing before the lock, the accepted rows after the decision. */
export function companionWrites<Payload>(writes: CompanionWriter<Payload> | CompanionWrites<Payload>): CompanionWrites<Payload> {
  if (typeof writes !== 'function') return writes;
  return {
    before: () => Promise.resolve(),
    after: (client, accepted) => (accepted.length > 0 ? writes(client, accepted) : Promise.resolve()),
  };
}
