/**
 * For programmer errors only: an invariant that parsing guarantees (a per-megapixel-step model has
 * steps, the last size tier is unbounded). Expected outcomes are typed results, never exceptions.
 */
export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`@atelier/pricing invariant broken: ${message}`);
}
