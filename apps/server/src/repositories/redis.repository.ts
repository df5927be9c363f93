import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** Holds the Redis connection when REDIS_URL is configured; absent otherwise (single node). */
@Injectable()
export class RedisRepository implements OnApplicationShutdown {
  /** The shared connection, or undefined on a single node without REDIS_URL. */
  readonly client: Redis | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.client =
      config.redisUrl === undefined
        ? undefined
        : new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    // Errors surface through ping(); without a listener ioredis would log every reconnect attempt.
    this.client?.on('error', () => undefined);
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  async ping(): Promise<number> {
    if (this.client === undefined) {
      throw new Error('Redis is not configured');
    }
    if (this.client.status === 'wait') {
      await this.client.connect();
    }
    const started = performance.now();
    await this.client.ping();
    return performance.now() - started;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client !== undefined && this.client.status !== 'end') {
      await this.client.quit().catch(() => undefined);
    }
  }
}
