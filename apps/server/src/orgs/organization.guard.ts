import { type CanActivate, type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { can, type Permission, type Role } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { REQUIRED_PERMISSION, type AuthenticatedRequest } from '../auth/principal.js';
import { MembershipsRepository } from './memberships.repository.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ExpiringCache } from '../common/expiring-cache.js';
import { EventBus } from '../events/event-bus.js';

/** Most memberships one node remembers at once. */
const MEMBERSHIP_CACHE_ENTRIES = 20_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function notFound(what: string): ApiError {
  return new ApiError(HttpStatus.NOT_FOUND, { code: 'not_found', message: `${what} was not found.` });
}

/**
 * For routes under /orgs/:orgId: the caller must be a member of that org (else 404, which reveals
 * nothing about orgs one is not in) with a role that has the route's permission (else 403).
 */
@Injectable()
export class OrganizationGuard implements CanActivate {
  /**
   * Roles read recently, trusted for `credentialCacheTtlMs`: a change of role or a removal on this
   * node evicts at once (`membership.changed`); on other nodes the TTL bounds it. Only members are
   * remembered, so someone who just joined is let in at once.
   */
  private readonly roles: ExpiringCache<string, Role>;
  private changes = 0;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(MembershipsRepository) private readonly memberships: MembershipsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(EventBus) events: EventBus,
  ) {
    this.roles = new ExpiringCache(config.credentialCacheTtlMs, MEMBERSHIP_CACHE_ENTRIES);
    events.subscribe('membership.changed', ({ organizationId, userId }) => {
      this.changes += 1;
      this.roles.delete(`${organizationId}|${userId}`);
    });
  }

  private async roleIn(organizationId: string, userId: string): Promise<Role | null> {
    const key = `${organizationId}|${userId}`;
    const cached = this.roles.get(key);
    if (cached !== undefined) return cached;
    const changes = this.changes;
    const role = (await this.memberships.roleIn(organizationId, userId)) as Role | null;
    if (role !== null && changes === this.changes) this.roles.set(key, role);
    return role;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const permission = this.reflector.get<Permission | undefined>(REQUIRED_PERMISSION, context.getHandler());
    if (permission === undefined) {
      return true;
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.principal;
    const organizationId = request.params.orgId;
    if (principal === undefined) {
      throw new ApiError(HttpStatus.UNAUTHORIZED, { code: 'unauthenticated', message: 'Sign in to continue.' });
    }
    if (typeof organizationId !== 'string' || !UUID.test(organizationId)) {
      throw notFound('The organization');
    }
    if (principal.kind === 'apiKey' && principal.organizationId !== organizationId) {
      throw notFound('The organization');
    }
    const role = await this.roleIn(organizationId, principal.userId);
    if (role === null) {
      throw notFound('The organization');
    }
    if (!can(role, permission)) {
      throw new ApiError(HttpStatus.FORBIDDEN, {
        code: 'forbidden',
        message: `Your role (${role}) cannot do this: it needs ${permission}. Ask an owner or a manager.`,
        permission,
        role,
      });
    }
    request.access = { organizationId, userId: principal.userId, role };
    return true;
  }
}
