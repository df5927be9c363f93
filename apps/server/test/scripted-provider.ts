import type { Operation } from '@atelier/pricing';
import { LocalProvider } from '../src/providers/local.provider.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider, type ProviderFailureKind, type ProviderId } from '../src/providers/provider.js';
import { ProviderRegistry } from '../src/providers/provider-registry.js';
import { PROVIDER_REGISTRY } from '../src/repositories/tokens.js';

/**
 * The local renderer with scripted failures: the next calls can fail as a provider would
 * (5xx, 429, moderation), and calls can be held until the test releases them.
 */
export class ScriptedProvider implements ImageProvider {
  private readonly local = new LocalProvider();
  private readonly failures: ProviderFailureKind[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  calls = 0;
  /** Resolves each time a call starts, for tests that act mid-job. */
  onCall: ((input: GenerationInput) => void) | undefined;

  /**
   * `id` 'local' (default) plays the offline renderer; another id plays that real provider.
   * `models` limits what it runs (default: every catalog model).
   */
  constructor(
    readonly id: ProviderId = 'local',
    private readonly models?: readonly string[],
  ) {}

  supports(modelId: string, operation: Operation): boolean {
    if (this.models !== undefined && !this.models.includes(modelId)) return false;
    return this.local.supports(modelId, operation);
  }

  failNext(kind: ProviderFailureKind, times = 1): void {
    for (let index = 0; index < times; index += 1) this.failures.push(kind);
  }

  /** Calls wait (abortably) until `release()`. */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async generate(input: GenerationInput): Promise<GeneratedImage> {
    this.calls += 1;
    this.onCall?.(input);
    if (this.gate !== undefined) {
      const aborted = new Promise<never>((_resolve, reject) => {
        input.signal.addEventListener('abort', () => {
          reject(new ProviderError('aborted', 'cancelled'));
        });
      });
      await Promise.race([this.gate, aborted]);
    }
    const failure = this.failures.shift();
    if (failure !== undefined) {
      throw new ProviderError(failure, `scripted ${failure}`, failure === 'rate_limited' ? 10 : undefined);
    }
    const image = await this.local.generate(input);
    return this.id === 'local' ? image : { ...image, cost: { amount: 0.003, unit: 'usd' } };
  }
}

export function scriptedRegistry(provider: ScriptedProvider): { provide: symbol; useValue: ProviderRegistry } {
  return { provide: PROVIDER_REGISTRY, useValue: new ProviderRegistry({ local: provider }) };
}

/** A server with real (scripted) providers, in order of preference after each model's own. */
export function scriptedRealRegistry(local: ScriptedProvider, real: ScriptedProvider[]): { provide: symbol; useValue: ProviderRegistry } {
  return { provide: PROVIDER_REGISTRY, useValue: new ProviderRegistry({ local, others: real }) };
}
