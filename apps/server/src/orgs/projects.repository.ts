import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { Organization, Project } from '../database/entities/index.js';

export interface ProjectSettings {
  name: string;
  budgetLimitCredits: number | null;
  budgetPeriod: string;
}

/** Projects (`projects`): named uniquely within their org, each with its budget settings. */
@Injectable()
export class ProjectsRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  count(organizationId: string): Promise<number> {
    return this.em.count(Project, { organization: organizationId });
  }

  /** The new project, or undefined when the org already has one with this name. */
  async create(organizationId: string, settings: ProjectSettings): Promise<Project | undefined> {
    const project = this.em.create(Project, {
      id: crypto.randomUUID(),
      organization: this.em.getReference(Organization, organizationId),
      name: settings.name,
      budgetLimitCredits: settings.budgetLimitCredits,
      budgetPeriod: settings.budgetPeriod,
      createdAt: new Date(),
    });
    return (await this.flushUniqueName()) ? project : undefined;
  }

  /** The org's projects by name. */
  list(organizationId: string): Promise<Project[]> {
    return this.em.find(Project, { organization: organizationId }, { orderBy: { name: 'asc' } });
  }

  find(organizationId: string, projectId: string): Promise<Project | null> {
    return this.em.findOne(Project, { id: projectId, organization: organizationId });
  }

  /** False when another project of the org has this name (nothing is changed then). */
  async update(project: Project, settings: Partial<ProjectSettings>): Promise<boolean> {
    if (settings.name !== undefined) project.name = settings.name;
    if (settings.budgetLimitCredits !== undefined) project.budgetLimitCredits = settings.budgetLimitCredits;
    if (settings.budgetPeriod !== undefined) project.budgetPeriod = settings.budgetPeriod;
    return this.flushUniqueName();
  }

  private async flushUniqueName(): Promise<boolean> {
    try {
      await this.em.flush();
      return true;
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        return false;
      }
      throw error;
    }
  }
}
