import { afterEach, beforeEach, expect, it } from 'vitest';
import { withRetries } from '../../src/providers/retry.js';
import type { GenerationInput, ImageProvider } from '../../src/providers/provider.js';
import { behaviour, type FakeAsyncProviderServer } from './fakes/fake-async-provider.js';
import type { FakeSyncProviderServer } from './fakes/fake-sync-provider.js';
import { expectProviderError, isPng, pngInfo } from './helpers.js';

/** What the contract needs of a fake: FakeAsyncProviderServer has it; fakes of other shapes (ComfyUI) provide the same. */
export type ContractFake = Pick<FakeAsyncProviderServer, 'scripts' | 'outcomes' | 'requests' | 'close'> & { pendingPolls: number };

export interface AdapterContract<Fake extends ContractFake> {
  start: () => Promise<Fake>;
  /** The adapter pointed at the fake, with short poll intervals and this call budget. */
  adapter: (fake: Fake, options: { timeoutMs: number; apiKey?: string }) => ImageProvider;
  /** An input this adapter runs (text-to-image or an edit). */
  input: () => Promise<GenerationInput> | GenerationInput;
  /** The output size the input asks for. */
  size: { width: number; height: number };
  /**
   * False for a provider without a content filter of its own (a team's ComfyUI): the moderation
   * case is not run, since nothing can refuse.
   */
  moderates?: boolean;
}

/**
 * The behaviours every asynchronous adapter must show against its fake, as tests: success with a
 * PNG of the asked size, progress through pending polls, 429 with Retry-After then success, 5xx
 * retried, a poll's 503 survived, moderation refused and not retried, a timeout, an expired result
 * URL handled by a new task, a malformed answer, a bad key. Call inside a `describe`.
 */
export function adapterContract<Fake extends ContractFake>(contract: AdapterContract<Fake>): { fake: () => Fake } {
  let fake: Fake;
  beforeEach(async () => {
    fake = await contract.start();
  });
  afterEach(async () => {
    await fake.close();
  });
  const adapter = (timeoutMs = 5_000, apiKey?: string): ImageProvider => contract.adapter(fake, { timeoutMs, ...(apiKey === undefined ? {} : { apiKey }) });
  const retried = (provider: ImageProvider, input: GenerationInput) => withRetries(() => provider.generate(input), { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 50 });

  it('makes the image through submit → pending polls → download, and returns a PNG of the size', async () => {
    fake.pendingPolls = 3;
    const image = await adapter().generate(await contract.input());
    expect(isPng(image.png)).toBe(true);
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', ...contract.size });
    expect(fake.requests('submit')).toHaveLength(1);
    expect(fake.requests('poll')).toHaveLength(4);
    // The result URL is fetched once, at once, without the key.
    expect(fake.requests('download')).toHaveLength(1);
    expect(fake.requests('download')[0]?.headers.authorization).toBeUndefined();
  });

  it('429 with Retry-After is rate_limited with the delay, and the retry succeeds', async () => {
    fake.scripts.submit.push(behaviour.rateLimited(2));
    const failure = await expectProviderError(adapter().generate(await contract.input()), 'rate_limited');
    expect(failure.retryAfterMs).toBe(2_000);
    fake.scripts.submit.push(behaviour.rateLimited(0));
    const image = await retried(adapter(), await contract.input());
    expect(image.width).toBe(contract.size.width);
  });

  it('5xx is a retryable server_error; a retry succeeds', async () => {
    fake.scripts.submit.push(behaviour.serverError(502), behaviour.serverError(500));
    await expectProviderError(adapter().generate(await contract.input()), 'server_error');
    const image = await retried(adapter(), await contract.input());
    expect(image.height).toBe(contract.size.height);
  });

  it('a poll that fails with 503 does not lose the paid task', async () => {
    fake.pendingPolls = 1;
    fake.scripts.poll.push(behaviour.serverError(503));
    await adapter().generate(await contract.input());
    expect(fake.requests('submit')).toHaveLength(1);
  });

  if (contract.moderates !== false) {
    it('a moderated task is refused as moderated, which is never retried', async () => {
      fake.outcomes.push('moderated');
      await expectProviderError(retried(adapter(), await contract.input()), 'moderated');
      expect(fake.requests('submit')).toHaveLength(1);
    });
  }

  it('a task that fails on the provider side is a server_error', async () => {
    fake.outcomes.push('failed');
    await expectProviderError(adapter().generate(await contract.input()), 'server_error');
  });

  it('no answer within the call budget is a timeout', async () => {
    fake.scripts.poll.push(behaviour.hang());
    const started = Date.now();
    await expectProviderError(adapter(300).generate(await contract.input()), 'timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('an expired result URL is a server_error, and the retry makes a new task', async () => {
    fake.scripts.download.push({ kind: 'http', status: 404, body: 'expired' });
    const image = await retried(adapter(), await contract.input());
    expect(image.width).toBe(contract.size.width);
    expect(fake.requests('submit')).toHaveLength(2);
  });

  it('a malformed answer is a server_error', async () => {
    fake.scripts.submit.push(behaviour.malformed());
    await expectProviderError(adapter().generate(await contract.input()), 'server_error');
  });

  it('a wrong key is rejected, not retried', async () => {
    await expectProviderError(retried(adapter(5_000, 'wrong-key'), await contract.input()), 'rejected');
    expect(fake.requests('poll')).toHaveLength(0);
  });

  it('a cancelled job aborts the call', async () => {
    fake.scripts.poll.push(behaviour.hang());
    const controller = new AbortController();
    const call = adapter().generate({ ...(await contract.input()), signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 50);
    await expectProviderError(call, 'aborted');
  });

  return { fake: () => fake };
}

export interface SyncAdapterContract<Fake extends FakeSyncProviderServer> {
  start: () => Promise<Fake>;
  adapter: (fake: Fake, options: { timeoutMs: number; apiKey?: string }) => ImageProvider;
  input: () => Promise<GenerationInput> | GenerationInput;
  size: { width: number; height: number };
}

/**
 * The same behaviours for a synchronous adapter (one call answers the image; there is no poll nor
 * result URL to expire): success with a PNG of the asked size, 429 with Retry-After then success,
 * 5xx retried, moderation refused and not retried, a timeout, a malformed answer, a bad key, a
 * cancel. Call inside a `describe`.
 */
export function syncAdapterContract<Fake extends FakeSyncProviderServer>(contract: SyncAdapterContract<Fake>): { fake: () => Fake } {
  let fake: Fake;
  beforeEach(async () => {
    fake = await contract.start();
  });
  afterEach(async () => {
    await fake.close();
  });
  const adapter = (timeoutMs = 5_000, apiKey?: string): ImageProvider => contract.adapter(fake, { timeoutMs, ...(apiKey === undefined ? {} : { apiKey }) });
  const retried = (provider: ImageProvider, input: GenerationInput) => withRetries(() => provider.generate(input), { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 50 });

  it('makes the image in one call and returns a PNG of the size', async () => {
    const image = await adapter().generate(await contract.input());
    expect(isPng(image.png)).toBe(true);
    expect(await pngInfo(image.png)).toMatchObject({ format: 'png', ...contract.size });
    expect(fake.calls()).toHaveLength(1);
  });

  it('429 with Retry-After is rate_limited with the delay, and the retry succeeds', async () => {
    fake.script.push(behaviour.rateLimited(2));
    const failure = await expectProviderError(adapter().generate(await contract.input()), 'rate_limited');
    expect(failure.retryAfterMs).toBe(2_000);
    fake.script.push(behaviour.rateLimited(0));
    const image = await retried(adapter(), await contract.input());
    expect(image.width).toBe(contract.size.width);
    expect(fake.calls()).toHaveLength(3);
  });

  it('5xx is a retryable server_error; a retry succeeds', async () => {
    fake.script.push(behaviour.serverError(502), behaviour.serverError(500));
    await expectProviderError(adapter().generate(await contract.input()), 'server_error');
    const image = await retried(adapter(), await contract.input());
    expect(image.height).toBe(contract.size.height);
  });

  it('a moderated call is refused as moderated, which is never retried', async () => {
    fake.outcomes.push('moderated');
    await expectProviderError(retried(adapter(), await contract.input()), 'moderated');
    expect(fake.calls()).toHaveLength(1);
  });

  it('no answer within the call budget is a timeout', async () => {
    fake.script.push(behaviour.hang());
    const started = Date.now();
    await expectProviderError(adapter(300).generate(await contract.input()), 'timeout');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a malformed answer is a server_error', async () => {
    fake.script.push(behaviour.malformed());
    await expectProviderError(adapter().generate(await contract.input()), 'server_error');
  });

  it('a wrong key is rejected, not retried', async () => {
    await expectProviderError(retried(adapter(5_000, 'wrong-key'), await contract.input()), 'rejected');
    expect(fake.calls()).toHaveLength(1);
  });

  it('a cancelled job aborts the call', async () => {
    fake.script.push(behaviour.hang());
    const controller = new AbortController();
    const call = adapter().generate({ ...(await contract.input()), signal: controller.signal });
    setTimeout(() => {
      controller.abort();
    }, 50);
    await expectProviderError(call, 'aborted');
  });

  return { fake: () => fake };
}
