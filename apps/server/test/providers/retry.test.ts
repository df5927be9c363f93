import { describe, expect, it, vi } from 'vitest';
import { BlackForestLabsProvider } from '../../src/providers/black-forest-labs.provider.js';
import { ProviderError } from '../../src/providers/provider.js';
import { retryDelayMs, retryLimits, withRetries } from '../../src/providers/retry.js';
import { bfl, FakeBflServer } from './fakes/fake-bfl-server.js';
import { expectProviderError, generationInput } from './helpers.js';

const fast = { baseDelayMs: 1, maxDelayMs: 5 };

describe('withRetries', () => {
  it('retries a server_error, then returns the success', async () => {
    const call = vi.fn<(attempt: number) => Promise<string>>()
      .mockRejectedValueOnce(new ProviderError('server_error', '502'))
      .mockRejectedValueOnce(new ProviderError('timeout', 'slow'))
      .mockResolvedValueOnce('image');
    await expect(withRetries(call, fast)).resolves.toBe('image');
    expect(call.mock.calls.map(([attempt]) => attempt)).toEqual([1, 2, 3]);
  });

  it('gives up after maxAttempts with the last error', async () => {
    let attempts = 0;
    const failure = await expectProviderError(
      withRetries(() => {
        attempts += 1;
        return Promise.reject(new ProviderError('rate_limited', `429 #${attempts}`, 1));
      }, { ...fast, maxAttempts: 3 }),
      'rate_limited',
    );
    expect(attempts).toBe(3);
    expect(failure.message).toBe('429 #3');
  });

  it.each(['moderated', 'rejected', 'aborted'] as const)('never retries %s', async (kind) => {
    const call = vi.fn(() => Promise.reject(new ProviderError(kind, kind)));
    await expectProviderError(withRetries(call, fast), kind);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('does not retry errors that are not ProviderErrors', async () => {
    const call = vi.fn(() => Promise.reject(new TypeError('bug')));
    await expect(withRetries(call, fast)).rejects.toThrow(TypeError);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('waits at least the Retry-After hint, capped', async () => {
    const delays: number[] = [];
    const call = vi.fn<() => Promise<string>>()
      .mockRejectedValueOnce(new ProviderError('rate_limited', '429', 30))
      .mockRejectedValueOnce(new ProviderError('rate_limited', '429', 10_000))
      .mockResolvedValueOnce('ok');
    await withRetries(call, { ...fast, maxRetryAfterMs: 40, onRetry: (_error, _attempt, delay) => delays.push(delay) });
    expect(delays).toEqual([30, 40]);
  });

  it('backs off exponentially with jitter, within bounds', () => {
    const error = new ProviderError('server_error', '500');
    const options = { baseDelayMs: 100, maxDelayMs: 1_000 };
    expect(retryDelayMs(1, error, { ...options, random: () => 0 })).toBe(50);
    expect(retryDelayMs(1, error, { ...options, random: () => 0.999999 })).toBe(100);
    expect(retryDelayMs(3, error, { ...options, random: () => 0 })).toBe(200);
    expect(retryDelayMs(10, error, { ...options, random: () => 0.999999 })).toBe(1_000);
    expect(retryDelayMs(10, error, { ...options, random: () => 0 })).toBe(500);
    // Defaults are the named limits.
    expect(retryDelayMs(30, error, { random: () => 0.999999 })).toBe(retryLimits.maxDelayMs);
    expect(retryDelayMs(1, new ProviderError('rate_limited', '429', 10 * 60_000), { random: () => 0 })).toBe(retryLimits.maxRetryAfterMs);
  });

  it('stops at once when the signal aborts during a pause', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const run = withRetries(() => Promise.reject(new ProviderError('server_error', '500')), {
      baseDelayMs: 10_000,
      maxDelayMs: 10_000,
      signal: controller.signal,
    });
    setTimeout(() => {
      controller.abort();
    }, 20);
    await expectProviderError(run, 'aborted');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expectProviderError(withRetries(() => Promise.resolve(1), { signal: AbortSignal.abort() }), 'aborted');
  });

  it('refuses an attempt count outside its bounds', async () => {
    await expect(withRetries(() => Promise.resolve(1), { maxAttempts: 0 })).rejects.toThrow(RangeError);
    await expect(withRetries(() => Promise.resolve(1), { maxAttempts: retryLimits.maxAttemptsCeiling + 1 })).rejects.toThrow(RangeError);
  });

  it('drives a real adapter: recovers from a BFL 500, never retries BFL moderation', async () => {
    const fake = await FakeBflServer.start({ apiKey: 'key' });
    try {
      const adapter = new BlackForestLabsProvider({ apiKey: 'key', baseUrl: fake.baseUrl, pollIntervalMs: 1 });
      fake.submitScript.push(bfl.serverError());
      const image = await withRetries(() => adapter.generate(generationInput({ width: 256, height: 256 })), fast);
      expect(image).toMatchObject({ width: 256, height: 256 });
      expect(fake.submissions()).toHaveLength(2);

      fake.pollScript.push(bfl.contentModerated());
      await expectProviderError(withRetries(() => adapter.generate(generationInput({ width: 256, height: 256 })), fast), 'moderated');
      expect(fake.submissions()).toHaveLength(3);
    } finally {
      await fake.close();
    }
  });
});
