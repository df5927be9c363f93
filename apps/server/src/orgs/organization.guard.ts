import { type CanActivate, type ExecutionContext, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { can, type Permission, type Role } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { REQUIRED_PERMISSION, type AuthenticatedRequest } from '../auth/principal.js';
import { MembershipsRepository } from './memberships.repository.js';

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
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(MembershipsRepository) private readonly memberships: MembershipsRepository,
  ) {}

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
    const memberRole = await this.memberships.roleIn(organizationId, principal.userId);
    if (memberRole === null) {
      throw notFound('The organization');
    }
    const role = memberRole as Role;
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
