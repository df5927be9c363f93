import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { BudgetPeriod, CreateProjectRequest, ProjectView, UpdateProjectRequest } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import type { Project } from '../database/entities/index.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { AuditService } from './audit.service.js';
import { notFound } from './organization.guard.js';
import { ProjectsRepository } from './projects.repository.js';

export const MAX_PROJECTS_PER_ORGANIZATION = 500;

@Injectable()
export class ProjectsService {
  constructor(
    @Inject(ProjectsRepository) private readonly projects: ProjectsRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  async create(organizationId: string, actorId: string, request: CreateProjectRequest): Promise<ProjectView> {
    if ((await this.projects.count(organizationId)) >= MAX_PROJECTS_PER_ORGANIZATION) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'conflict',
        message: `An organization can have at most ${String(MAX_PROJECTS_PER_ORGANIZATION)} projects.`,
        limit: MAX_PROJECTS_PER_ORGANIZATION,
      });
    }
    const project = await this.projects.create(organizationId, {
      name: request.name,
      budgetLimitCredits: request.budget?.limitCredits ?? null,
      budgetPeriod: request.budget?.period ?? 'none',
    });
    if (project === undefined) throw nameTaken();
    if (request.budget !== undefined && request.budget !== null) {
      await this.ledger.setProjectBudget({ organizationId, projectId: project.id, ...request.budget, actorId });
    }
    await this.audit.record({ organizationId, actorId, action: 'project.create', targetType: 'project', targetId: project.id, after: request });
    return this.view(project);
  }

  async list(organizationId: string): Promise<ProjectView[]> {
    const projects = await this.projects.list(organizationId);
    return Promise.all(projects.map((project) => this.view(project)));
  }

  async get(organizationId: string, projectId: string): Promise<ProjectView> {
    return this.view(await this.find(organizationId, projectId));
  }

  async update(organizationId: string, actorId: string, projectId: string, request: UpdateProjectRequest): Promise<ProjectView> {
    const project = await this.find(organizationId, projectId);
    const before = { name: project.name, budget: budgetOf(project) };
    const renamed = await this.projects.update(project, {
      name: request.name,
      ...(request.budget === undefined ? {} : { budgetLimitCredits: request.budget?.limitCredits ?? null, budgetPeriod: request.budget?.period ?? 'none' }),
    });
    if (!renamed) throw nameTaken();
    if (request.budget !== undefined) {
      await this.ledger.setProjectBudget({
        organizationId,
        projectId,
        limitCredits: request.budget?.limitCredits ?? null,
        period: request.budget?.period ?? 'none',
        actorId,
      });
    }
    await this.audit.record({ organizationId, actorId, action: 'project.update', targetType: 'project', targetId: projectId, before, after: { name: project.name, budget: budgetOf(project) } });
    return this.view(project);
  }

  /** 404 unless the project exists in this org. */
  async find(organizationId: string, projectId: string): Promise<Project> {
    const project = await this.projects.find(organizationId, projectId);
    if (project === null) {
      throw notFound('The project');
    }
    return project;
  }

  private async view(project: Project): Promise<ProjectView> {
    // The ledger counts a project's spending with or without a limit.
    const budget = await this.ledger.projectBudget(project.organization.id, project.id);
    return {
      id: project.id,
      name: project.name,
      budget: project.budgetLimitCredits === null || project.budgetLimitCredits === undefined ? null : budget,
      spentCredits: budget.spentCredits,
      createdAt: project.createdAt.toISOString(),
    };
  }
}

function nameTaken(): ApiError {
  return new ApiError(HttpStatus.CONFLICT, { code: 'conflict', message: 'A project with this name already exists.', field: 'name' });
}

function budgetOf(project: Project): { limitCredits: number | null; period: BudgetPeriod } {
  return { limitCredits: project.budgetLimitCredits ?? null, period: project.budgetPeriod as BudgetPeriod };
}
