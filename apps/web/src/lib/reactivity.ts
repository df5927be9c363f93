/**
 * Names the reactive values an `$effect` (or `$derived`) depends on without otherwise using them:
 * reading them as arguments makes Svelte re-run it when any of them changes.
 */
export function dependsOn(..._values: unknown[]): void {
  // Reading the arguments at the call is the whole point.
}
