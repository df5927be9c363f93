import { Global, Module } from '@nestjs/common';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { CollabDocumentRepository } from './collab-document.repository.js';
import { CollabTicketsRepository } from './collab-tickets.repository.js';
import { CollabServer } from './collab.server.js';
import { LiveDocuments } from './live-documents.js';
import { WorkspaceSnapshotsController } from './workspace-snapshots.controller.js';
import { WorkspaceSnapshotsRepository } from './workspace-snapshots.repository.js';
import { WorkspaceSnapshotsService } from './workspace-snapshots.service.js';
import { WorkspacesController } from './workspaces.controller.js';
import { WorkspacesRepository } from './workspaces.repository.js';
import { WorkspacesService } from './workspaces.service.js';

/**
 * Workspaces and their collaborative documents (Yjs over Hocuspocus at /collab). Global so the job
 * submit path can read a workspace's document through WorkspacesService.
 */
@Global()
@Module({
  imports: [OrganizationsModule],
  controllers: [WorkspacesController, WorkspaceSnapshotsController],
  providers: [CollabDocumentRepository, WorkspacesRepository, CollabTicketsRepository, LiveDocuments, WorkspacesService, CollabServer, WorkspaceSnapshotsRepository, WorkspaceSnapshotsService],
  exports: [WorkspacesService, CollabServer, CollabDocumentRepository],
})
export class CollabModule {}
