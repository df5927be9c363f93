import { invalidate } from '$app/navigation';
import type { OrgRealtime } from './org-realtime.svelte.js';
import { dependenciesOf, KeyThrottle, SettledJobs, type DependencyKey, type RealtimeChange } from './invalidation.js';

interface Watch {
  /** At most one reload of this key per this many milliseconds. */
  delayMs: number;
  /** Narrows the changes that concern what the page shows (default: every change mapped to the key). */
  accept?: (change: RealtimeChange) => boolean;
}

/**
 * Re-runs the page's loads (`invalidate(key)`) when the live store hears a change that makes
 * their data stale, throttled per key. Call it while a component initialises; `refreshing` is
 * true while such a reload runs.
 */
export function invalidateOnRealtime(realtime: OrgRealtime, watches: Partial<Record<DependencyKey, Watch>>): { readonly refreshing: boolean } {
  let running = $state(0);
  const throttle = new KeyThrottle<DependencyKey>(
    (key) => {
      running += 1;
      // keepState: a shallow-routed dialog (the gallery's image) stays open.
      void invalidate(key, true).finally(() => {
        running -= 1;
      });
    },
    (key) => watches[key]?.delayMs ?? 0,
  );

  function heard(change: RealtimeChange): void {
    for (const key of dependenciesOf(change)) {
      const watch = watches[key];
      if (watch !== undefined && (watch.accept?.(change) ?? true)) throttle.request(key);
    }
  }

  const settled = new SettledJobs();
  $effect(() => {
    for (const job of settled.next(realtime.jobs)) heard({ kind: 'job-settled', job });
  });
  $effect(() => realtime.onComment((event) => { heard({ kind: 'comment', event }); }));
  $effect(() => () => { throttle.cancel(); });

  return {
    get refreshing() {
      return running > 0;
    },
  };
}
