import { Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { RedisRepository } from '../repositories/redis.repository.js';

export const SIGN_IN_FAILURES_ALLOWED = 5;
export const SIGN_IN_WINDOW_SECONDS = 15 * 60;
/** Failed sign-ins one address may make across every email in the sign-in window (spraying). */
export const SIGN_IN_ADDRESS_FAILURES_ALLOWED = 50;
/** Password reset emails: per requesting address, and per target email, in an hour. */
export const PASSWORD_RESETS_PER_ADDRESS = 10;
export const PASSWORD_RESETS_PER_EMAIL = 3;
export const PASSWORD_RESET_WINDOW_SECONDS = 60 * 60;

/** Wrong passwords for one review link from one address, in the sign-in window. */
export const REVIEW_PASSWORD_FAILURES_ALLOWED = 10;

/**
 * Limits on requests that cost CPU or money, per member (session) or per API key, per minute;
 * `review`: the client review link endpoints, per address (guests have no account).
 */
export type RequestLimit = 'submit' | 'preflight' | 'expensive' | 'review';
const REQUEST_WINDOW_SECONDS = 60;

/**
 * Counts attempts with rate-limiter-flexible: in Redis when configured (shared by every node), in
 * memory on a single node, and in memory on each node while Redis is unreachable. Every figure is
 * in docs/SECURITY.md.
 */
@Injectable()
export class RateLimitRepository {
  private readonly signInFailures: RateLimiterAbstract;
  private readonly signInAddressFailures: RateLimiterAbstract;
  private readonly passwordResetsByAddress: RateLimiterAbstract;
  private readonly passwordResetsByEmail: RateLimiterAbstract;
  private readonly reviewPasswordFailures: RateLimiterAbstract;
  private readonly requests: Record<RequestLimit, RateLimiterAbstract>;

  constructor(@Inject(RedisRepository) redis: RedisRepository, @Inject(APP_CONFIG) config: AppConfig) {
    const client = redis.client;
    const limiter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract =>
      client === undefined
        ? new RateLimiterMemory({ keyPrefix, points, duration })
        : // While Redis is unreachable each node counts on its own (the library's insurance limiter), never failing the request.
          new RateLimiterRedis({ keyPrefix, points, duration, storeClient: client, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }) });
    this.signInFailures = limiter('sign-in', SIGN_IN_FAILURES_ALLOWED, SIGN_IN_WINDOW_SECONDS);
    this.signInAddressFailures = limiter('sign-in-address', SIGN_IN_ADDRESS_FAILURES_ALLOWED, SIGN_IN_WINDOW_SECONDS);
    this.passwordResetsByAddress = limiter('password-reset-address', PASSWORD_RESETS_PER_ADDRESS, PASSWORD_RESET_WINDOW_SECONDS);
    this.passwordResetsByEmail = limiter('password-reset-email', PASSWORD_RESETS_PER_EMAIL, PASSWORD_RESET_WINDOW_SECONDS);
    this.reviewPasswordFailures = limiter('review-password', REVIEW_PASSWORD_FAILURES_ALLOWED, SIGN_IN_WINDOW_SECONDS);
    const perMinute = config.rateLimits;
    this.requests = {
      submit: limiter('requests-submit', perMinute.submitPerMinute, REQUEST_WINDOW_SECONDS),
      preflight: limiter('requests-preflight', perMinute.preflightPerMinute, REQUEST_WINDOW_SECONDS),
      expensive: limiter('requests-expensive', perMinute.expensivePerMinute, REQUEST_WINDOW_SECONDS),
      review: limiter('requests-review', perMinute.reviewPerMinute, REQUEST_WINDOW_SECONDS),
    };
  }

  /** Seconds until another attempt is allowed (for this email from this address, or from this address at all), or 0. */
  async signInBlockedForSeconds(email: string, address: string): Promise<number> {
    const [pair, fromAddress] = await Promise.all([this.signInFailures.get(`${email}|${address}`), this.signInAddressFailures.get(address)]);
    return Math.max(blockedFor(pair, SIGN_IN_FAILURES_ALLOWED), blockedFor(fromAddress, SIGN_IN_ADDRESS_FAILURES_ALLOWED));
  }

  async recordSignInFailure(email: string, address: string): Promise<void> {
    await Promise.all([consumeQuietly(this.signInFailures, `${email}|${address}`), consumeQuietly(this.signInAddressFailures, address)]);
  }

  /** A success clears this email's failures from this address (not the address's total). */
  async clearSignInFailures(email: string, address: string): Promise<void> {
    await this.signInFailures.delete(`${email}|${address}`);
  }

  /** Counts one reset request; the seconds to wait when the address or the target email is over its limit, else 0. */
  async passwordResetBlockedForSeconds(email: string, address: string): Promise<number> {
    const [fromAddress, toEmail] = await Promise.all([consume(this.passwordResetsByAddress, address), consume(this.passwordResetsByEmail, email)]);
    return Math.max(fromAddress, toEmail);
  }

  /** Seconds until another password may be tried on this review link from this address, or 0. */
  async reviewPasswordBlockedForSeconds(linkId: string, address: string): Promise<number> {
    return blockedFor(await this.reviewPasswordFailures.get(`${linkId}|${address}`), REVIEW_PASSWORD_FAILURES_ALLOWED);
  }

  async recordReviewPasswordFailure(linkId: string, address: string): Promise<void> {
    await consumeQuietly(this.reviewPasswordFailures, `${linkId}|${address}`);
  }

  /** Counts a request (as `points` of them) against `limit` for `key`; the seconds to wait when over it, else 0. */
  requestBlockedForSeconds(limit: RequestLimit, key: string, points = 1): Promise<number> {
    return consume(this.requests[limit], key, points);
  }
}

function blockedFor(state: RateLimiterRes | null, allowed: number): number {
  if (state === null || state.consumedPoints < allowed) return 0;
  return Math.max(1, Math.ceil(state.msBeforeNext / 1000));
}

async function consume(limiter: RateLimiterAbstract, key: string, points = 1): Promise<number> {
  try {
    await limiter.consume(key, points);
    return 0;
  } catch (error) {
    if (error instanceof RateLimiterRes) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
    throw error;
  }
}

async function consumeQuietly(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await consume(limiter, key);
}
