import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** Holds the Redis connection when REDIS_URL is configured; absent otherwise (single node). */
@Injectable()
export class RedisRepository implements OnApplicationShutdown {
  /** The shared connection, or undefined on a single node without REDIS_URL. */
  readonly client: Redis | undefined;

  private readonly redisUrl: string | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redisUrl = config.redisUrl;
    this.client =
      config.redisUrl === undefined
        ? undefined
        : new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    // Errors surface through ping(); without a listener ioredis would log every reconnect attempt.
    this.client?.on('error', () => undefined);
  }

  /**
   * A new connection of its own to REDIS_URL (for a pub/sub pair, or a library that wants one),
   * owned and closed by the caller; its errors go to `onError`. Undefined without REDIS_URL.
   */
  newConnection(options: RedisOptions, onError: (error: Error) => void): Redis | undefined {
    if (this.redisUrl === undefined) return undefined;
    const connection = new Redis(this.redisUrl, options);
    connection.on('error', onError);
    return connection;
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
