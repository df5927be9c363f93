import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Inject, Param, Patch, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { z } from 'zod';
import {
  acceptInvitationRequest,
  apiKeyView,
  createApiKeyRequest,
  createdApiKeyView,
  createInvitationRequest,
  createProjectRequest,
  invitationPreview,
  invitationView,
  organizationView,
  projectView,
  token,
  updateProjectRequest,
  uuid,
  type ApiKeyView,
  type CreatedApiKeyView,
  type InvitationPreview,
  type InvitationView,
  type OrganizationView,
  type ProjectView,
} from '@atelier/contracts';
import { AuthService } from '../auth/auth.service.js';
import { CurrentAccess, CurrentPrincipal, Public, RequirePermission, type OrganizationAccess, type Principal } from '../auth/principal.js';
import { setSessionCookie } from '../auth/session-cookie.js';
import { ApiKeysService } from './api-keys.service.js';
import { InvitationsService } from './invitations.service.js';
import { OrganizationsService } from './organizations.service.js';
import { ProjectsService } from './projects.service.js';

const orgParam = { schema: uuid };

@ApiTags('invitations')
@Controller()
export class InvitationsController {
  constructor(
    @Inject(InvitationsService) private readonly invitations: InvitationsService,
    @Inject(OrganizationsService) private readonly organizations: OrganizationsService,
    @Inject(AuthService) private readonly auth: AuthService,
  ) {}

  @Post('orgs/:orgId/invitations')
  @RequirePermission('invitations.manage')
  @ApiCreatedResponse({ standardSchema: invitationView, description: 'The invitation link is emailed' })
  invite(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: createInvitationRequest }) body: z.infer<typeof createInvitationRequest>,
  ): Promise<InvitationView> {
    return this.invitations.invite(orgId, access.userId, access.role, body.email, body.role);
  }

  @Get('orgs/:orgId/invitations')
  @RequirePermission('invitations.manage')
  @ApiOkResponse({ standardSchema: z.array(invitationView), description: 'Pending invitations' })
  list(@Param('orgId', orgParam) orgId: string): Promise<InvitationView[]> {
    return this.invitations.list(orgId);
  }

  @Delete('orgs/:orgId/invitations/:invitationId')
  @RequirePermission('invitations.manage')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  revoke(
    @Param('orgId', orgParam) orgId: string,
    @Param('invitationId', { schema: uuid }) invitationId: string,
    @CurrentAccess() access: OrganizationAccess,
  ): Promise<void> {
    return this.invitations.revoke(orgId, access.userId, invitationId);
  }

  @Get('invitations/:token')
  @Public()
  @ApiOkResponse({ standardSchema: invitationPreview })
  preview(@Param('token', { schema: token }) invitationToken: string): Promise<InvitationPreview> {
    return this.invitations.preview(invitationToken);
  }

  @Post('invitations/accept')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: organizationView, description: 'You are a member; a new account is signed in' })
  async accept(
    @CurrentPrincipal() principal: Principal | undefined,
    @Body({ schema: acceptInvitationRequest }) body: z.infer<typeof acceptInvitationRequest>,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OrganizationView> {
    const accepted = await this.invitations.accept(body, principal?.userId);
    if (accepted.createdUser) {
      const user = await this.auth.user(accepted.userId);
      const signedIn = await this.auth.startSession(user, request.headers['user-agent']);
      setSessionCookie(request, response, signedIn.sessionToken);
    }
    const organizations = await this.organizations.listFor(accepted.userId);
    const organization = organizations.find((candidate) => candidate.id === accepted.organizationId);
    if (organization === undefined) {
      throw new Error('accepted an invitation but the membership is missing');
    }
    return organization;
  }
}

@ApiTags('projects')
@Controller('orgs/:orgId/projects')
export class ProjectsController {
  constructor(@Inject(ProjectsService) private readonly projects: ProjectsService) {}

  @Post()
  @RequirePermission('projects.write')
  @ApiCreatedResponse({ standardSchema: projectView })
  create(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: createProjectRequest }) body: z.infer<typeof createProjectRequest>,
  ): Promise<ProjectView> {
    return this.projects.create(orgId, access.userId, body);
  }

  @Get()
  @RequirePermission('projects.read')
  @ApiOkResponse({ standardSchema: z.array(projectView) })
  list(@Param('orgId', orgParam) orgId: string): Promise<ProjectView[]> {
    return this.projects.list(orgId);
  }

  @Get(':projectId')
  @RequirePermission('projects.read')
  @ApiOkResponse({ standardSchema: projectView })
  get(@Param('orgId', orgParam) orgId: string, @Param('projectId', { schema: uuid }) projectId: string): Promise<ProjectView> {
    return this.projects.get(orgId, projectId);
  }

  @Patch(':projectId')
  @RequirePermission('projects.write')
  @ApiOkResponse({ standardSchema: projectView })
  update(
    @Param('orgId', orgParam) orgId: string,
    @Param('projectId', { schema: uuid }) projectId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: updateProjectRequest }) body: z.infer<typeof updateProjectRequest>,
  ): Promise<ProjectView> {
    return this.projects.update(orgId, access.userId, projectId, body);
  }
}

@ApiTags('api-keys')
@Controller('orgs/:orgId/api-keys')
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly apiKeys: ApiKeysService) {}

  @Post()
  @RequirePermission('apiKeys.manage')
  @ApiCreatedResponse({ standardSchema: createdApiKeyView, description: 'The secret is shown this once' })
  create(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: createApiKeyRequest }) body: z.infer<typeof createApiKeyRequest>,
  ): Promise<CreatedApiKeyView> {
    return this.apiKeys.create(orgId, access.userId, body.name);
  }

  @Get()
  @RequirePermission('apiKeys.manage')
  @ApiOkResponse({ standardSchema: z.array(apiKeyView) })
  list(@Param('orgId', orgParam) orgId: string, @CurrentAccess() access: OrganizationAccess): Promise<ApiKeyView[]> {
    return this.apiKeys.list(orgId, access.userId, access.role);
  }

  @Delete(':apiKeyId')
  @RequirePermission('apiKeys.manage')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse()
  revoke(
    @Param('orgId', orgParam) orgId: string,
    @Param('apiKeyId', { schema: uuid }) apiKeyId: string,
    @CurrentAccess() access: OrganizationAccess,
  ): Promise<void> {
    return this.apiKeys.revoke(orgId, access.userId, access.role, apiKeyId);
  }
}
