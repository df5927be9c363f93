import { ProviderError } from './provider.js';

/** The `fetch` an adapter calls: the global one by default, a stub or a wrapper in tests. */
export type FetchFunction = typeof fetch;

/** Most characters of a provider's error body quoted in a ProviderError message. */
const maxQuotedBodyChars = 300;

/**
 * One provider call's time budget: the job's signal (cancelled → 'aborted') joined with the
 * call's own deadline (passed → 'timeout'). Every fetch and every pause of the call uses `signal`.
 */
export class CallScope {
  readonly signal: AbortSignal;
  private readonly deadline = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly jobSignal: AbortSignal,
    readonly timeoutMs: number,
    private readonly label: string,
  ) {
    this.timer = setTimeout(() => {
      this.deadline.abort(new ProviderError('timeout', `${label}: no result within ${timeoutMs} ms`));
    }, timeoutMs);
    this.signal = AbortSignal.any([jobSignal, this.deadline.signal]);
  }

  /** Throws 'aborted' or 'timeout' when the call must stop. */
  check(): void {
    if (this.jobSignal.aborted) throw new ProviderError('aborted', `${this.label}: cancelled`);
    if (this.deadline.signal.aborted) throw new ProviderError('timeout', `${this.label}: no result within ${this.timeoutMs} ms`);
  }

  /** Turns anything a fetch, a body read or a pause threw into a ProviderError. */
  failure(error: unknown, what: string): ProviderError {
    if (this.jobSignal.aborted) return new ProviderError('aborted', `${this.label}: cancelled during ${what}`);
    if (this.deadline.signal.aborted) return new ProviderError('timeout', `${this.label}: no result within ${this.timeoutMs} ms (during ${what})`);
    if (error instanceof ProviderError) return error;
    const reason = error instanceof Error ? describeNetworkError(error) : String(error);
    return new ProviderError('server_error', `${this.label}: ${what} failed: ${reason}`);
  }

  /** A fetch under this scope's signal; network failures and aborts become ProviderErrors. */
  async fetch(fetchFn: FetchFunction, url: string, init: RequestInit, what: string): Promise<Response> {
    this.check();
    try {
      return await fetchFn(url, { ...init, signal: this.signal });
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  /** Reads a whole body under this scope (a stalled body ends with the deadline). */
  async bytes(response: Response, what: string): Promise<Buffer> {
    try {
      return Buffer.from(await response.arrayBuffer());
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  async text(response: Response, what: string): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  /** Parses a JSON body; a body that is not JSON is the provider's fault ('server_error'). */
  async json(response: Response, what: string): Promise<unknown> {
    const text = await this.text(response, what);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProviderError('server_error', `${this.label}: ${what} answered a body that is not JSON: ${quote(text)}`);
    }
  }

  /** Waits `ms`, or less when the job is cancelled or the deadline passes (then throws). */
  async pause(ms: number): Promise<void> {
    try {
      await sleep(ms, this.signal);
    } catch (error) {
      throw this.failure(error, 'a pause between polls');
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** Resolves after `ms`, rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortReason(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new Error('aborted');
}

/**
 * Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when
 * absent or unreadable. `now` is injectable for tests.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface HttpFailureRules {
  /** Provider name for messages, e.g. 'Black Forest Labs'. */
  provider: string;
  /** Whether a 4xx answer is the provider's content moderation (→ 'moderated'). */
  isModeration?: (status: number, body: unknown) => boolean;
  /** A retry delay the provider put in the body rather than in Retry-After. */
  bodyRetryAfterMs?: (body: unknown) => number | undefined;
  /** A 5xx body's hint of when to try again (Hugging Face's loading model: `estimated_time`). */
  serverErrorRetryAfterMs?: (body: unknown) => number | undefined;
  /** Whether a 429 means the account is out of quota or credit (→ 'rejected': waiting will not help). */
  isQuotaExhausted?: (body: unknown) => boolean;
}

/** Maps a non-2xx answer: 429 → rate_limited, 408 → timeout, 5xx → server_error, moderation → moderated, other 4xx → rejected. */
export async function failureFromResponse(response: Response, rules: HttpFailureRules, what: string): Promise<ProviderError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The status alone decides.
  }
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // Not JSON: keep the text.
  }
  const status = response.status;
  const message = `${rules.provider}: ${what} answered HTTP ${status}: ${quote(errorMessageOf(body) ?? text)}`;
  if (status === 429 && rules.isQuotaExhausted?.(body) === true) return new ProviderError('rejected', message);
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after')) ?? rules.bodyRetryAfterMs?.(body);
    return new ProviderError('rate_limited', message, retryAfterMs);
  }
  if (status === 408) return new ProviderError('timeout', message);
  if (status >= 500) return new ProviderError('server_error', message, parseRetryAfter(response.headers.get('retry-after')) ?? rules.serverErrorRetryAfterMs?.(body));
  if (rules.isModeration?.(status, body) === true) return new ProviderError('moderated', message);
  return new ProviderError('rejected', message);
}

/** The human part of the common error bodies: `{detail}`, `{message}`, `{errors: [...]}`, `{error}`. */
export function errorMessageOf(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const errors = body.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.map(String).join('; ');
  for (const key of ['message', 'error', 'detail']) {
    const value = body[key];
    if (typeof value === 'string') return value;
    if (value !== undefined && value !== null) return JSON.stringify(value);
  }
  return undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '(empty body)';
  return flat.length > maxQuotedBodyChars ? `${flat.slice(0, maxQuotedBodyChars)}…` : flat;
}

function describeNetworkError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message !== '') return `${error.message} (${cause.message})`;
  return error.message;
}

/** Joins a base URL and a path without doubling or dropping the slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}
