import { Inject, Injectable } from '@nestjs/common';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { RedisRepository } from '../repositories/redis.repository.js';
import { catalogs, type Operation } from '@atelier/pricing';
import { PROVIDER_REGISTRY } from '../jobs/tokens.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { DependencyHealthDto, HealthDto, ProvidersDto, ProvidersHealthDto } from './health.dto.js';

const VERSION = '0.1.0';

@Injectable()
export class HealthService {
  private installationId: string | undefined;

  constructor(
    @Inject(DatabaseRepository) private readonly database: DatabaseRepository,
    @Inject(RedisRepository) private readonly redis: RedisRepository,
    @Inject(PROVIDER_REGISTRY) private readonly providers: ProviderRegistry,
  ) {}

  providerHealth(): ProvidersHealthDto {
    return { demo: this.providers.demo, adapters: this.providers.healthViews() };
  }

  /** Which catalog model and operation runs where on this server (every built-in catalog). */
  availability(): ProvidersDto {
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
    return { demo: this.providers.demo, adapters: this.providers.healthViews(), models };
  }

  async check(): Promise<HealthDto> {
    const [database, redis] = await Promise.all([
      probe(() => this.database.ping()),
      this.redis.configured ? probe(() => this.redis.ping()) : Promise.resolve(undefined),
    ]);
    if (this.installationId === undefined && database.status === 'up') {
      this.installationId = (await this.database.ensureInstallation()).id;
    }
    const healthy = database.status === 'up' && (redis === undefined || redis.status === 'up');
    return {
      status: healthy ? 'ok' : 'degraded',
      version: VERSION,
      installationId: this.installationId ?? 'unknown',
      uptimeSeconds: Math.round(process.uptime()),
      checks: redis === undefined ? { database } : { database, redis },
      providers: this.providerHealth(),
    };
  }
}

async function probe(ping: () => Promise<number>): Promise<DependencyHealthDto> {
  try {
    const latencyMs = await ping();
    return { status: 'up', latencyMs: Math.round(latencyMs * 100) / 100 };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  }
}
