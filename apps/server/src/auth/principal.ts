import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Permission, Role } from '@atelier/contracts';

/** Who is calling: a signed-in person (cookie session) or a script (API key, scoped to one org). */
export type Principal =
  | { kind: 'session'; userId: string; sessionId: string; csrfToken: string }
  | { kind: 'apiKey'; userId: string; apiKeyId: string; organizationId: string };

export interface OrganizationAccess {
  organizationId: string;
  userId: string;
  role: Role;
}

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  access?: OrganizationAccess;
}

export const PUBLIC_ROUTE = 'atelier:public';
export const REQUIRED_PERMISSION = 'atelier:permission';

/** No sign-in needed (a principal is still resolved when a session is present). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE, true);

/** The route is under /orgs/:orgId and needs this permission in that org (see contracts' permission table). */
export const RequirePermission = (permission: Permission): MethodDecorator =>
  // The OpenAPI document carries it too, so tests can check every endpoint against the table.
  applyDecorators(SetMetadata(REQUIRED_PERMISSION, permission), ApiExtension('x-permission', permission));

export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal | undefined => {
  return context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
});

/** The caller's membership in the route's org; set by the organization guard. */
export const CurrentAccess = createParamDecorator((_data: unknown, context: ExecutionContext): OrganizationAccess => {
  const access = context.switchToHttp().getRequest<AuthenticatedRequest>().access;
  if (access === undefined) {
    throw new Error('CurrentAccess used on a route without @RequirePermission');
  }
  return access;
});
