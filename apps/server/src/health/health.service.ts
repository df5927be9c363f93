import { Inject, Injectable } from '@nestjs/common';
import { DatabaseRepository } from '../repositories/database.repository.js';
import { RedisRepository } from '../repositories/redis.repository.js';
import type { DependencyHealthDto, HealthDto } from './health.dto.js';

const VERSION = '0.1.0';

@Injectable()
export class HealthService {
  private installationId: string | undefined;

  constructor(
    @Inject(DatabaseRepository) private readonly database: DatabaseRepository,
    @Inject(RedisRepository) private readonly redis: RedisRepository,
  ) {}

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
