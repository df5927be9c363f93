import { sleep } from './http.js';
import { ProviderError } from './provider.js';

/** Defaults and hard bounds of `withRetries`. */
export const retryLimits = {
  /** Attempts in all (the first call included) unless the caller says otherwise. */
  maxAttempts: 4,
  /** No caller may ask for more attempts than this. */
  maxAttemptsCeiling: 10,
  /** Backoff before the 2nd attempt; doubles each time. */
  baseDelayMs: 1_000,
  /** Longest backoff between attempts. */
  maxDelayMs: 30_000,
  /** Longest pause a provider's Retry-After may impose; longer hints are cut to this. */
  maxRetryAfterMs: 60_000,
} as const;

export interface RetryOptions {
  /** Attempts in all, 1..maxAttemptsCeiling. Default retryLimits.maxAttempts. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Cap on a Retry-After hint. Default retryLimits.maxRetryAfterMs. */
  maxRetryAfterMs?: number;
  /** Stops the retries (and a pause under way) with ProviderError 'aborted'. */
  signal?: AbortSignal;
  /** [0, 1) for the jitter; injectable for tests. Default Math.random. */
  random?: () => number;
  /** Told before each pause, e.g. to log or to mark the job as retrying. */
  onRetry?: (error: ProviderError, nextAttempt: number, delayMs: number) => void;
}

/**
 * The pause before attempt `attempt + 1`: exponential backoff (base · 2^(attempt−1), at most
 * maxDelayMs) with "equal jitter" (half fixed, half random), and never shorter than the
 * provider's Retry-After (capped at maxRetryAfterMs).
 */
export function retryDelayMs(
  attempt: number,
  error: ProviderError,
  options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'maxRetryAfterMs' | 'random'> = {},
): number {
  const base = options.baseDelayMs ?? retryLimits.baseDelayMs;
  const max = options.maxDelayMs ?? retryLimits.maxDelayMs;
  const random = options.random ?? Math.random;
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + (exponential / 2) * random();
  const hint = error.retryAfterMs === undefined ? 0 : Math.min(error.retryAfterMs, options.maxRetryAfterMs ?? retryLimits.maxRetryAfterMs);
  return Math.round(Math.max(jittered, hint));
}

/**
 * Calls `call` until it succeeds, retrying only retryable ProviderErrors (rate_limited,
 * server_error, timeout) up to maxAttempts in all. Moderation, rejection, abort and any other
 * error are thrown at once. The attempt number (1-based) is passed to `call`.
 */
export async function withRetries<T>(call: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? retryLimits.maxAttempts;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > retryLimits.maxAttemptsCeiling) {
    throw new RangeError(`maxAttempts must be a whole number within 1..${retryLimits.maxAttemptsCeiling}`);
  }
  const signal = options.signal;
  for (let attempt = 1; ; attempt += 1) {
    if (isAborted(signal)) throw new ProviderError('aborted', `cancelled before attempt ${attempt}`);
    try {
      return await call(attempt);
    } catch (error) {
      if (!(error instanceof ProviderError) || !error.retryable) throw error;
      if (isAborted(signal)) throw new ProviderError('aborted', `cancelled after attempt ${attempt}: ${error.message}`);
      if (attempt >= maxAttempts) throw error;
      const delay = retryDelayMs(attempt, error, options);
      options.onRetry?.(error, attempt + 1, delay);
      try {
        await sleep(delay, signal);
      } catch {
        throw new ProviderError('aborted', `cancelled while waiting to retry: ${error.message}`);
      }
    }
  }
}

/** Read through a call so that TypeScript does not narrow `aborted` across awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
