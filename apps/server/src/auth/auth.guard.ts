import { type CanActivate, type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError } from '../common/error.filter.js';
import { AuthService } from './auth.service.js';
import { PUBLIC_ROUTE, REQUIRED_PERMISSION, type AuthenticatedRequest } from './principal.js';
import { isDatabaseUnavailable } from '../common/database-errors.js';
import { bearerTokenOf, sessionTokenOf } from './session-cookie.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Resolves the caller from the session cookie or an API key, requires one unless the route is
 * public, and checks the CSRF token on cookie-authenticated writes.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true;
    const apiKey = bearerTokenOf(request);
    const sessionToken = sessionTokenOf(request);

    if (apiKey !== undefined) {
      request.principal = await this.auth.principalForApiKey(apiKey);
      if (request.principal === undefined) {
        throw new ApiError(HttpStatus.UNAUTHORIZED, { code: 'unauthenticated', message: 'This API key is unknown or revoked.' });
      }
      const orgScoped = this.reflector.get<string | undefined>(REQUIRED_PERMISSION, context.getHandler()) !== undefined;
      if (!orgScoped && !isPublic) {
        throw new ApiError(HttpStatus.FORBIDDEN, {
          code: 'forbidden',
          message: 'API keys work on organization routes (/api/orgs/:orgId/...) only.',
        });
      }
      return true;
    }
    if (sessionToken !== undefined) {
      // A public route (health, sign-in) still answers while the database is unreachable: the
      // session cannot be read then, and the route runs as for someone signed out.
      request.principal = await this.auth.principalForSession(sessionToken).catch((error: unknown) => {
        if (isPublic && isDatabaseUnavailable(error)) return undefined;
        throw error;
      });
    }
    if (request.principal === undefined) {
      if (isPublic) {
        return true;
      }
      throw new ApiError(HttpStatus.UNAUTHORIZED, { code: 'unauthenticated', message: 'Sign in to continue.' });
    }
    if (request.principal.kind === 'session' && !SAFE_METHODS.has(request.method)) {
      const header = request.headers[CSRF_HEADER];
      if (header !== request.principal.csrfToken) {
        throw new ApiError(HttpStatus.FORBIDDEN, {
          code: 'csrf_failed',
          message: `Missing or wrong ${CSRF_HEADER} header. Reload the page and try again.`,
        });
      }
    }
    return true;
  }
}
