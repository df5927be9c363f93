import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RedisRepository } from '../repositories/redis.repository.js';

export const SIGN_IN_FAILURES_ALLOWED = 5;
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

/**
 * Counts failed sign-ins per email and address. In Redis when configured (shared by every node),
 * in memory on a single node.
 */
@Injectable()
export class RateLimitRepository {
  private readonly signInFailures: RateLimiterAbstract;

  constructor(@Inject(RedisRepository) redis: RedisRepository) {
    const options = { keyPrefix: 'sign-in', points: SIGN_IN_FAILURES_ALLOWED, duration: SIGN_IN_WINDOW_SECONDS };
    const client = redis.client;
    this.signInFailures =
      client === undefined ? new RateLimiterMemory(options) : new RateLimiterRedis({ ...options, storeClient: client });
  }

  /** Seconds until another attempt is allowed, or 0 when it is allowed now. */
  async signInBlockedForSeconds(key: string): Promise<number> {
    const state = await this.signInFailures.get(key);
    if (state === null || state.consumedPoints < SIGN_IN_FAILURES_ALLOWED) {
      return 0;
    }
    return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  }

  async recordSignInFailure(key: string): Promise<void> {
    try {
      await this.signInFailures.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) {
        throw error;
      }
    }
  }

  async clearSignInFailures(key: string): Promise<void> {
    await this.signInFailures.delete(key);
  }
}
