import { Inject, Injectable } from '@nestjs/common';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { RedisRepository } from '../repositories/redis.repository.js';
import { ProviderCallsRepository } from '../repositories/provider-calls.repository.js';
import { catalogs, type Operation } from '@atelier/pricing';
import { PROVIDER_REGISTRY } from '../repositories/tokens.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { DependencyHealthDto, HealthDto, ProvidersDto, ProvidersHealthDto } from './health.dto.js';
import { ServiceStatus } from './service-status.js';

/** A dependency that has not answered a trivial query in this long is reported down. */
const PROBE_TIMEOUT_MS = 2_000;

const VERSION = '0.1.0';

@Injectable()
export class HealthService {
  private installationId: string | undefined;

  constructor(
    @Inject(DatabaseRepository) private readonly database: DatabaseRepository,
    @Inject(RedisRepository) private readonly redis: RedisRepository,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
    @Inject(ServiceStatus) private readonly status: ServiceStatus,
    @Inject(ProviderCallsRepository) private readonly providerCalls: ProviderCallsRepository,
  ) {}

  /** Each routable provider's recent calls, as the whole cluster saw them. */
  async providerHealth(): Promise<ProvidersHealthDto> {
    return { demo: this.providers.demo, adapters: await this.providerCalls.views() };
  }

  /** Which catalog model and operation runs where on this server (every built-in catalog). */
  async availability(): Promise<ProvidersDto> {
    const seen = new Set<string>();
    const models: ProvidersDto['models'] = [];
    for (const catalog of Object.values(catalogs)) {
      for (const model of catalog.models) {
        for (const operation of Object.keys(model.operations) as Operation[]) {
          const key = `${model.id}\u0000${operation}`;
          if (seen.has(key)) continue;
          seen.add(key);
          models.push({ modelId: model.id, operation, routes: this.providers.routesFor(model.id, model.provider, operation).map((adapter) => adapter.id) });
        }
      }
    }
    return { demo: this.providers.demo, adapters: await this.providerCalls.views(), models };
  }

  async check(): Promise<HealthDto> {
    const [database, redis] = await Promise.all([
      probe(() => this.database.ping()),
      this.redis.configured ? probe(() => this.redis.ping()) : Promise.resolve(undefined),
    ]);
    if (database.status === 'up') this.status.databaseUpAgain();
    else this.status.databaseDown(new Error(database.error));
    if (this.installationId === undefined && database.status === 'up') {
      this.installationId = await this.database.ensureInstallation().then((installation) => installation.id, () => undefined);
    }
    const workerState = this.status.state.workers;
    const workers: DependencyHealthDto | undefined =
      workerState === undefined ? undefined : workerState === 'running' ? { status: 'up' } : { status: 'down', error: 'paused until the database answers' };
    const healthy = database.status === 'up' && (redis === undefined || redis.status === 'up') && workers?.status !== 'down';
    return {
      status: healthy ? 'ok' : 'degraded',
      version: VERSION,
      installationId: this.installationId ?? 'unknown',
      uptimeSeconds: Math.round(process.uptime()),
      checks: { database, ...(redis === undefined ? {} : { redis }), ...(workers === undefined ? {} : { workers }) },
      providers: await this.providerHealth(),
    };
  }
}

async function probe(ping: () => Promise<number>): Promise<DependencyHealthDto> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const latencyMs = await Promise.race([
      ping(),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`no answer within ${String(PROBE_TIMEOUT_MS)} ms`));
        }, PROBE_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up', latencyMs: Math.round(latencyMs * 100) / 100 };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
