import { Body, Controller, Get, Inject, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { createWorkspaceSnapshotRequest, uuid, workspaceSnapshotView, type WorkspaceSnapshotView } from '@atelier/contracts';
import { CurrentAccess, RequirePermission, type OrganizationAccess } from '../auth/principal.js';
import { WorkspaceSnapshotsService } from './workspace-snapshots.service.js';

const idParam = { schema: uuid };

@ApiTags('workspaces')
@Controller('orgs/:orgId/workspaces/:workspaceId/snapshots')
export class WorkspaceSnapshotsController {
  constructor(@Inject(WorkspaceSnapshotsService) private readonly snapshots: WorkspaceSnapshotsService) {}

  @Post()
  @RequirePermission('generate')
  @ApiCreatedResponse({ standardSchema: workspaceSnapshotView, description: 'A named snapshot of the document as it is now' })
  take(
    @Param('orgId', idParam) orgId: string,
    @Param('workspaceId', idParam) workspaceId: string,
    @CurrentAccess() access: OrganizationAccess,
    @Body({ schema: createWorkspaceSnapshotRequest }) body: z.infer<typeof createWorkspaceSnapshotRequest>,
  ): Promise<WorkspaceSnapshotView> {
    return this.snapshots.take(orgId, access.userId, workspaceId, body.name);
  }

  @Get()
  @RequirePermission('org.read')
  @ApiOkResponse({ standardSchema: z.array(workspaceSnapshotView), description: 'Prompt history, newest first' })
  list(@Param('orgId', idParam) orgId: string, @Param('workspaceId', idParam) workspaceId: string): Promise<WorkspaceSnapshotView[]> {
    return this.snapshots.list(orgId, workspaceId);
  }
}
