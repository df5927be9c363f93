import type { Operation } from '@atelier/pricing';
import { LocalProvider } from '../src/providers/local.provider.js';
import { ProviderError, type GeneratedImage, type GenerationInput, type ImageProvider, type ProviderFailureKind } from '../src/providers/provider.js';
import { ProviderRegistry } from '../src/providers/provider-registry.js';
import { PROVIDER_REGISTRY } from '../src/jobs/tokens.js';

/**
 * The local renderer with scripted failures: the next calls can fail as a provider would
 * (5xx, 429, moderation), and calls can be held until the test releases them.
 */
export class ScriptedProvider implements ImageProvider {
  readonly id = 'local' as const;
  private readonly local = new LocalProvider();
  private readonly failures: ProviderFailureKind[] = [];
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;
  calls = 0;
  /** Resolves each time a call starts, for tests that act mid-job. */
  onCall: ((input: GenerationInput) => void) | undefined;

  supports(modelId: string, operation: Operation): boolean {
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
    return this.local.generate(input);
  }
}

export function scriptedRegistry(provider: ScriptedProvider): { provide: symbol; useValue: ProviderRegistry } {
  return { provide: PROVIDER_REGISTRY, useValue: new ProviderRegistry({ local: provider }) };
}
