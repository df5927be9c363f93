import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Organization, User, Workspace, type Project } from '../database/entities/index.js';

/** Workspaces (`workspaces`): a shared editing space in a project; its document is stored apart. */
@Injectable()
export class WorkspacesRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  countInProject(projectId: string): Promise<number> {
    return this.em.count(Workspace, { project: projectId });
  }

  async create(organizationId: string, project: Project, name: string, createdById: string): Promise<Workspace> {
    const workspace = this.em.create(Workspace, {
      id: crypto.randomUUID(),
      organization: this.em.getReference(Organization, organizationId),
      project,
      name,
      createdBy: this.em.getReference(User, createdById),
      createdAt: new Date(),
    });
    await this.em.flush();
    return workspace;
  }

  /** Oldest first, at most `limit`; only the project's when given. */
  list(organizationId: string, projectId: string | undefined, limit: number): Promise<Workspace[]> {
    return this.em.find(
      Workspace,
      { organization: organizationId, ...(projectId === undefined ? {} : { project: projectId }) },
      { orderBy: { createdAt: 'asc', id: 'asc' }, limit },
    );
  }

  /** The workspace if it is in the org, read fresh (it also runs outside a request), or null. */
  findInOrganization(organizationId: string, workspaceId: string): Promise<Workspace | null> {
    return this.em.fork().findOne(Workspace, { id: workspaceId, organization: organizationId });
  }
}
