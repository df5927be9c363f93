import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  collabTicketView,
  createWorkspaceRequest,
  uuid,
  workspacesQuery,
  workspaceView,
  type CollabTicketView,
  type WorkspaceView,
} from '@atelier/contracts';
import { CurrentAccess, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { WorkspacesService } from './workspaces.service.js';

const orgParam = { schema: uuid };

@ApiTags('workspaces')
@Controller('orgs/:orgId/workspaces')
export class WorkspacesController {
  constructor(@Inject(WorkspacesService) private readonly workspaces: WorkspacesService) {}

  @Post()
  @RequirePermission('generate')
  @ApiCreatedResponse({ standardSchema: workspaceView })
  create(
    @Param('orgId', orgParam) orgId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: createWorkspaceRequest }) body: z.infer<typeof createWorkspaceRequest>,
  ): Promise<WorkspaceView> {
    return this.workspaces.create(orgId, access.userId, body);
  }

  @Get()
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: z.array(workspaceView), description: 'Every workspace of the org, or of one project' })
  list(@Param('orgId', orgParam) orgId: string, @Query({ schema: workspacesQuery }) query: z.infer<typeof workspacesQuery>): Promise<WorkspaceView[]> {
    return this.workspaces.list(orgId, query.projectId);
  }

  @Get(':workspaceId')
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: workspaceView })
  get(@Param('orgId', orgParam) orgId: string, @Param('workspaceId', { schema: uuid }) workspaceId: string): Promise<WorkspaceView> {
    return this.workspaces.get(orgId, workspaceId);
  }

  @Post(':workspaceId/collab-ticket')
  @RequirePermission('org.read')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ standardSchema: collabTicketView, description: 'A short-lived ticket to open the workspace document at /collab (read-only without `generate`)' })
  ticket(
    @Param('orgId', orgParam) orgId: string,
    @Param('workspaceId', { schema: uuid }) workspaceId: string,
    @CurrentAccess() access: OrganizationAccess,
  ): Promise<CollabTicketView> {
    return this.workspaces.issueTicket(orgId, access.userId, access.role, workspaceId);
  }
}
