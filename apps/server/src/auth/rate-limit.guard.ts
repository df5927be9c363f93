import { type CanActivate, type ExecutionContext, HttpStatus, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../common/error.filter.js';
import type { AuthenticatedRequest } from './principal.js';
import { RateLimitRepository, type RequestLimit } from './rate-limit.repository.js';

const RATE_LIMIT = 'atelier:rate-limit';

/** How many requests of its kind one request counts as (a bulk submit: its items). */
export type RequestWeight = (request: AuthenticatedRequest) => number;

/**
 * The route counts against `limit` per member (a session in the route's org) or per API key;
 * `review` per address. `weight` makes one request count as several (at least one).
 */
export const RateLimit = (limit: RequestLimit, weight?: RequestWeight): MethodDecorator => SetMetadata(RATE_LIMIT, { limit, weight });

/** Runs after the auth and organization guards: a 429 with Retry-After once the caller is over the limit. */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(RateLimitRepository) private readonly limits: RateLimitRepository,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.get<{ limit: RequestLimit; weight: RequestWeight | undefined } | undefined>(RATE_LIMIT, context.getHandler());
    if (rule === undefined) return true;
    const { limit, weight } = rule;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.principal;
    let key: string;
    if (limit === 'review') key = `address:${request.ip ?? '-'}`;
    else if (principal === undefined) return true;
    else key = principal.kind === 'apiKey' ? `apiKey:${principal.apiKeyId}` : `member:${request.access?.organizationId ?? '-'}:${principal.userId}`;
    const points = Math.max(1, Math.floor(weight?.(request) ?? 1));
    const waitSeconds = await this.limits.requestBlockedForSeconds(limit, key, points);
    if (waitSeconds > 0) {
      throw new ApiError(HttpStatus.TOO_MANY_REQUESTS, {
        code: 'rate_limited',
        message: `Too many requests of this kind; try again in ${String(waitSeconds)} seconds.`,
        retryAfterSeconds: waitSeconds,
      });
    }
    return true;
  }
}
