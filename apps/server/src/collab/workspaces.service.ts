import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  can,
  COLLAB_PATH,
  collabLimits,
  submitJobRequest,
  workspaceDocumentName,
  type CollabTicketView,
  type CreateWorkspaceRequest,
  type Role,
  type SubmitJobRequest,
  type WorkspaceView,
} from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { unstorableTextAt } from '../common/validation.js';
import { randomToken, sha256 } from '../common/crypto.js';
import type { Workspace } from '../database/entities/index.js';
import { notFound } from '../orgs/organization.guard.js';
import { ProjectsService } from '../orgs/projects.service.js';
import { CollabTicketsRepository } from './collab-tickets.repository.js';
import { CollabDocumentRepository } from './collab-document.repository.js';
import { applySnapshot, snapshotOf, snapshotOfState, type AppliedDocument, type WorkspaceSnapshot } from './workspace-document.js';
import { LiveDocuments } from './live-documents.js';
import type { CollabGrant } from './collab-context.js';
import { WorkspacesRepository } from './workspaces.repository.js';

export const MAX_WORKSPACES_PER_PROJECT = 200;

/** Workspaces, the tickets that open their documents, and reading a document for a job. */
@Injectable()
export class WorkspacesService {
  constructor(
    @Inject(WorkspacesRepository) private readonly workspaces: WorkspacesRepository,
    @Inject(CollabTicketsRepository) private readonly tickets: CollabTicketsRepository,
    @Inject(ProjectsService) private readonly projects: ProjectsService,
    @Inject(CollabDocumentRepository) private readonly documents: CollabDocumentRepository,
    @Inject(LiveDocuments) private readonly live: LiveDocuments,
  ) {}

  async create(organizationId: string, userId: string, request: CreateWorkspaceRequest): Promise<WorkspaceView> {
    const project = await this.projects.find(organizationId, request.projectId);
    if ((await this.workspaces.countInProject(project.id)) >= MAX_WORKSPACES_PER_PROJECT) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'conflict',
        message: `A project can have at most ${String(MAX_WORKSPACES_PER_PROJECT)} workspaces.`,
        limit: MAX_WORKSPACES_PER_PROJECT,
      });
    }
    const workspace = await this.workspaces.create(organizationId, project, request.name, userId);
    return view(workspace);
  }

  async list(organizationId: string, projectId: string | undefined): Promise<WorkspaceView[]> {
    const workspaces = await this.workspaces.list(organizationId, projectId, 1000);
    return workspaces.map(view);
  }

  async get(organizationId: string, workspaceId: string): Promise<WorkspaceView> {
    return view(await this.find(organizationId, workspaceId));
  }

  async find(organizationId: string, workspaceId: string): Promise<Workspace> {
    const workspace = await this.workspaces.findInOrganization(organizationId, workspaceId);
    if (workspace === null) throw notFound('The workspace');
    return workspace;
  }

  /** A random ticket, stored hashed, valid for `collabLimits.ticketTtlSeconds`. */
  async issueTicket(organizationId: string, userId: string, role: Role, workspaceId: string): Promise<CollabTicketView> {
    await this.find(organizationId, workspaceId);
    const ticket = randomToken();
    const expiresAt = new Date(Date.now() + collabLimits.ticketTtlSeconds * 1000);
    const canWrite = can(role, 'generate');
    await this.tickets.issue({ tokenHash: sha256(ticket), organizationId, workspaceId, userId, canWrite, expiresAt });
    return { ticket, documentName: workspaceDocumentName(workspaceId), url: COLLAB_PATH, canWrite, expiresAt: expiresAt.toISOString() };
  }

  /**
   * The grant of an unexpired ticket for this workspace, with write access re-derived from the
   * CURRENT membership (a member removed or demoted since the ticket was issued loses it); else null.
   */
  async redeemTicket(ticket: string, workspaceId: string): Promise<CollabGrant | null> {
    if (ticket.length === 0 || ticket.length > 128) return null;
    const found = await this.tickets.findRedeemable(sha256(ticket), workspaceId);
    if (found === null) return null;
    return { userId: found.userId, organizationId: found.organizationId, workspaceId, canWrite: found.canWrite && can(found.role as Role, 'generate') };
  }

  /** The document as this node sees it: the live copy if it is open here, else the stored state. */
  async snapshot(workspaceId: string): Promise<WorkspaceSnapshot> {
    const live = this.live.get(workspaceId);
    if (live !== undefined) return snapshotOf(live);
    return snapshotOfState(await this.documents.load(workspaceId));
  }

  /**
   * The submit body with the workspace's document applied (see applySnapshot), and the shared
   * settings its request is built from; 404 if the workspace is not in the org. The document's
   * settings are not validated here: whatever two editors left in them, buildRequest makes one
   * valid request of them, so a stale value can never block the workspace.
   */
  async applyToSubmit(organizationId: string, body: SubmitJobRequest): Promise<AppliedDocument> {
    if (body.workspaceId === undefined) return { body, settings: { ...body.request } };
    const workspace = await this.workspaces.findInOrganization(organizationId, body.workspaceId);
    if (workspace === null) throw notFound('The workspace');
    const applied = applySnapshot({ ...body, projectId: body.projectId ?? workspace.project.id }, await this.snapshot(workspace.id));
    const { request: _request, ...rest } = applied.body;
    const unstorable = unstorableTextAt(rest);
    if (unstorable !== undefined) {
      const field = unstorable.join('.');
      throw new ApiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_request',
        message: `workspace document: ${field}: must not contain NUL characters or unpaired surrogates`,
        field,
      });
    }
    const parsed = submitJobRequest.safeParse({ ...rest, request: {} });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join('.') ?? 'workspaceId';
      throw new ApiError(HttpStatus.BAD_REQUEST, {
        code: 'invalid_request',
        message: `workspace document: ${field}: ${issue?.message ?? 'is invalid'}`,
        field,
      });
    }
    return { body: { ...parsed.data, request: applied.body.request }, settings: applied.settings };
  }
}

function view(workspace: Workspace): WorkspaceView {
  return {
    id: workspace.id,
    organizationId: workspace.organization.id,
    projectId: workspace.project.id,
    name: workspace.name,
    documentName: workspaceDocumentName(workspace.id),
    createdBy: workspace.createdBy.id,
    createdAt: workspace.createdAt.toISOString(),
  };
}
