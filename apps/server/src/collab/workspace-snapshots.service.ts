import { Inject, Injectable } from '@nestjs/common';
import type { WorkspaceSnapshotView } from '@atelier/contracts';
import { notFound } from '../orgs/organization.guard.js';
import { WorkspaceSnapshotsRepository } from './workspace-snapshots.repository.js';
import { WorkspacesService } from './workspaces.service.js';

/**
 * Prompt history: named snapshots of a workspace's shared document, taken from the document as
 * the server holds it (the live copy when open here). Restoring is done in the browser, as a
 * normal shared change (everyone sees it, and it can be undone like any other).
 */
@Injectable()
export class WorkspaceSnapshotsService {
  constructor(
    @Inject(WorkspaceSnapshotsRepository) private readonly snapshots: WorkspaceSnapshotsRepository,
    @Inject(WorkspacesService) private readonly workspaces: WorkspacesService,
  ) {}

  async take(organizationId: string, userId: string, workspaceId: string, name: string): Promise<WorkspaceSnapshotView> {
    await this.requireWorkspace(organizationId, workspaceId);
    const document = await this.workspaces.snapshot(workspaceId);
    return this.snapshots.insert(organizationId, workspaceId, userId, name, document);
  }

  async list(organizationId: string, workspaceId: string): Promise<WorkspaceSnapshotView[]> {
    await this.requireWorkspace(organizationId, workspaceId);
    return this.snapshots.list(workspaceId);
  }

  private async requireWorkspace(organizationId: string, workspaceId: string): Promise<void> {
    if (!(await this.snapshots.workspaceInOrganization(organizationId, workspaceId))) throw notFound('The workspace');
  }
}
