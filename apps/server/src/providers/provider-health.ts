import type { ProviderFailureKind, ProviderId } from './provider.js';

/** How many recent calls per provider the health figures cover. */
export const providerHealthWindow = 50;

export interface ProviderCallOutcome {
  at: number;
  latencyMs: number;
  /** Undefined when the call made an image. */
  failure?: { kind: ProviderFailureKind; message: string };
}

export interface ProviderHealthView {
  id: ProviderId;
  /** `local` is the offline demo renderer, not an AI model. */
  demo: boolean;
  /** Calls in the window (the last `providerHealthWindow`). */
  recentCalls: number;
  recentErrors: number;
  /** Median latency of the window's successful calls, in ms; null without one. */
  medianLatencyMs: number | null;
  /** 'up' (no recent calls, or the last one worked), 'degraded' (errors in the window, last one worked), 'down' (the last call failed with a retryable error). */
  status: 'up' | 'degraded' | 'down';
  lastError: { kind: ProviderFailureKind; message: string; at: string } | null;
}

/**
 * Recent outcomes of each provider's calls, in this process: what operators see when the nodes
 * share no Redis (a single node), and the fallback when Redis is away. Aborted calls (a cancelled
 * job) are not errors and not recorded.
 */
export class ProviderHealth {
  private readonly outcomes = new Map<ProviderId, ProviderCallOutcome[]>();

  record(id: ProviderId, outcome: ProviderCallOutcome): void {
    if (outcome.failure?.kind === 'aborted') return;
    const list = this.outcomes.get(id) ?? [];
    list.push(outcome);
    if (list.length > providerHealthWindow) list.splice(0, list.length - providerHealthWindow);
    this.outcomes.set(id, list);
  }

  /** This process's recent outcomes of a provider, oldest first. */
  recent(id: ProviderId): readonly ProviderCallOutcome[] {
    return this.outcomes.get(id) ?? [];
  }

  view(id: ProviderId): ProviderHealthView {
    return healthView(id, this.recent(id));
  }
}

/** The health figures of a provider from its recent call outcomes (oldest first). */
export function healthView(id: ProviderId, outcomes: readonly ProviderCallOutcome[]): ProviderHealthView {
  const list = outcomes.slice(-providerHealthWindow);
  const errors = list.filter((outcome) => outcome.failure !== undefined);
  const latencies = list.filter((outcome) => outcome.failure === undefined).map((outcome) => outcome.latencyMs).sort((a, b) => a - b);
  const last = list.at(-1);
  const lastError = errors.at(-1);
  const lastFailedRetryable =
    last?.failure !== undefined && (last.failure.kind === 'server_error' || last.failure.kind === 'rate_limited' || last.failure.kind === 'timeout');
  return {
    id,
    demo: id === 'local',
    recentCalls: list.length,
    recentErrors: errors.length,
    medianLatencyMs: latencies.length === 0 ? null : Math.round(latencies[Math.floor((latencies.length - 1) / 2)] ?? 0),
    status: lastFailedRetryable ? 'down' : errors.length > 0 ? 'degraded' : 'up',
    lastError:
      lastError?.failure === undefined
        ? null
        : { kind: lastError.failure.kind, message: lastError.failure.message, at: new Date(lastError.at).toISOString() },
  };
}
