import { Inject, Injectable, Logger } from '@nestjs/common';
import { healthView, providerHealthWindow, type ProviderCallOutcome, type ProviderHealthView } from '../providers/provider-health.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { ProviderId } from '../providers/provider.js';
import { DATABASE_URL } from './postgres-pool.repository.js';
import { RedisRepository } from './redis.repository.js';
import { PROVIDER_REGISTRY } from './tokens.js';

/** How long the health figures wait for Redis before answering with this node's own. */
const SHARED_READ_TIMEOUT_MS = 500;


/**
 * Every provider call's outcome, as all nodes saw them: each call goes into this process's
 * ProviderHealth and, in a cluster, onto a capped Redis list per provider, so the Providers page
 * and /api/health say the same whichever node answers. Without Redis (one node), or while Redis
 * is away, the figures are this node's own.
 */
@Injectable()
export class ProviderCallsRepository {
  private readonly logger = new Logger('ProviderCalls');
  private warned = false;
  /** One list per provider and installation: the nodes of a cluster share a database (and so its name). */
  private readonly keyPrefix: string;

  constructor(
    @Inject(RedisRepository) private readonly redis: RedisRepository,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
    @Inject(DATABASE_URL) databaseUrl: string,
  ) {
    this.keyPrefix = `atelier:${new URL(databaseUrl).pathname.slice(1) || 'atelier'}:provider-calls:`;
  }

  /** Records one call; never fails the caller (a lost health sample is not worth a job). */
  record(id: ProviderId, outcome: ProviderCallOutcome): void {
    if (outcome.failure?.kind === 'aborted') return;
    this.providers.health.record(id, outcome);
    const client = this.redis.client;
    if (client === undefined) return;
    const key = this.keyPrefix + id;
    void client
      .multi()
      .lpush(key, JSON.stringify(outcome))
      .ltrim(key, 0, providerHealthWindow - 1)
      .exec()
      .then(() => {
        this.warned = false;
      })
      .catch((error: unknown) => {
        if (!this.warned) this.logger.warn(`provider call not shared (Redis): ${String(error)}`);
        this.warned = true;
      });
  }

  /** The health of each routable provider: the cluster's recent calls, or this node's. */
  async views(): Promise<ProviderHealthView[]> {
    const ids = this.providers.routableIds();
    const shared = await this.shared(ids);
    return ids.map((id) => healthView(id, shared?.get(id) ?? this.providers.health.recent(id)));
  }

  private async shared(ids: ProviderId[]): Promise<Map<ProviderId, ProviderCallOutcome[]> | undefined> {
    const client = this.redis.client;
    if (client === undefined || ids.length === 0) return undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.lrange(this.keyPrefix + id, 0, providerHealthWindow - 1);
      const answers = await Promise.race([
        pipeline.exec(),
        new Promise<undefined>((resolve) => {
          timer = setTimeout(() => {
            resolve(undefined);
          }, SHARED_READ_TIMEOUT_MS);
        }),
      ]);
      if (answers === undefined || answers === null) return undefined;
      const outcomes = new Map<ProviderId, ProviderCallOutcome[]>();
      for (const [index, id] of ids.entries()) {
        const [error, values] = answers[index] ?? [new Error('no answer'), undefined];
        if (error !== null || !Array.isArray(values)) return undefined;
        // LPUSH keeps the newest first; the figures read oldest first.
        outcomes.set(id, values.map((value) => parseOutcome(value)).filter((outcome) => outcome !== undefined).reverse());
      }
      return outcomes;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

function parseOutcome(value: unknown): ProviderCallOutcome | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed = JSON.parse(value) as Partial<ProviderCallOutcome>;
    if (typeof parsed.at !== 'number' || typeof parsed.latencyMs !== 'number') return undefined;
    return { at: parsed.at, latencyMs: parsed.latencyMs, ...(parsed.failure === undefined ? {} : { failure: parsed.failure }) };
  } catch {
    return undefined;
  }
}
