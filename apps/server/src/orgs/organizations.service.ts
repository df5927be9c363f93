import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type {
  BudgetPeriod,
  BudgetView,
  CreateOrganizationRequest,
  MemberView,
  OrganizationView,
  Role,
  SetMemberBudgetRequest,
  UpdateOrganizationRequest,
} from '@atelier/contracts';
import type pg from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import { Membership, Organization } from '../database/entities/index.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { EventBus } from '../events/event-bus.js';
import { PostgresPoolRepository } from '../repositories/postgres-pool.repository.js';
import { AuditService } from './audit.service.js';
import { notFound } from './organization.guard.js';

export const MAX_ORGANIZATIONS_PER_USER = 50;

export function organizationView(organization: Organization, role: Role): OrganizationView {
  return {
    id: organization.id,
    name: organization.name,
    timeZone: organization.timeZone,
    role,
    defaultMemberBudget: {
      limitCredits: organization.defaultBudgetLimitCredits ?? null,
      period: organization.defaultBudgetPeriod as BudgetPeriod,
    },
    maxConcurrentJobsPerMember: organization.maxConcurrentJobsPerMember,
    createdAt: organization.createdAt.toISOString(),
  };
}

/** A member was removed or their role changed: live connections re-check what they may do. */
@Injectable()
export class OrganizationsService {
  constructor(
    @Inject(EntityManager) private readonly em: EntityManager,
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The org, its owner membership and its credit pool, in one transaction. */
  async create(userId: string, request: CreateOrganizationRequest): Promise<OrganizationView> {
    const count = await this.em.count(Membership, { user: userId, organization: { deletedAt: null } });
    if (count >= MAX_ORGANIZATIONS_PER_USER) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'conflict',
        message: `You can belong to at most ${String(MAX_ORGANIZATIONS_PER_USER)} organizations.`,
        limit: MAX_ORGANIZATIONS_PER_USER,
      });
    }
    const id = crypto.randomUUID();
    const timeZone = request.timeZone ?? 'UTC';
    await this.postgres.transaction(async (client) => {
      await client.query(`insert into organizations (id, name, time_zone) values ($1, $2, $3)`, [id, request.name, timeZone]);
      await client.query(
        `insert into memberships (organization_id, user_id, role, budget_limit_credits, budget_period) values ($1, $2, 'owner', null, 'none')`,
        [id, userId],
      );
      await this.ledger.createPool(client, { organizationId: id, timeZone });
      await this.grantTrial(client, id, userId);
      await client.query(`update users set last_organization_id = $1 where id = $2`, [id, userId]);
      await this.audit.record(
        { organizationId: id, actorId: userId, action: 'organization.create', targetType: 'organization', targetId: id, after: { name: request.name, timeZone } },
        client,
      );
    });
    return this.get(id, 'owner');
  }

  /** The Free tier's trial credits (TRIAL_CREDITS, expiring after TRIAL_DAYS), so a newcomer can make images at once. */
  private async grantTrial(client: pg.PoolClient, organizationId: string, userId: string): Promise<void> {
    const { credits, days } = this.config.trial;
    if (credits === 0) return;
    await this.ledger.grant(
      {
        operationId: organizationId,
        organizationId,
        source: 'promotion',
        credits,
        expiresAt: new Date(Date.now() + days * 86_400_000),
        actorId: userId,
        reason: `Free tier: ${String(credits)} trial credits for ${String(days)} days`,
      },
      client,
    );
  }

  async listFor(userId: string): Promise<OrganizationView[]> {
    const memberships = await this.em.find(
      Membership,
      { user: userId, organization: { deletedAt: null } },
      { populate: ['organization'], orderBy: { organization: { name: 'asc' } } },
    );
    return memberships.map((membership) => organizationView(membership.organization, membership.role as Role));
  }

  async get(organizationId: string, role: Role): Promise<OrganizationView> {
    const organization = await this.em.fork().findOne(Organization, { id: organizationId, deletedAt: null });
    if (organization === null) {
      throw notFound('The organization');
    }
    return organizationView(organization, role);
  }

  async update(organizationId: string, actorId: string, role: Role, request: UpdateOrganizationRequest): Promise<OrganizationView> {
    const organization = await this.em.findOneOrFail(Organization, { id: organizationId });
    const before = organizationView(organization, role);
    if (request.name !== undefined) organization.name = request.name;
    if (request.timeZone !== undefined) organization.timeZone = request.timeZone;
    if (request.defaultMemberBudget !== undefined) {
      organization.defaultBudgetLimitCredits = request.defaultMemberBudget.limitCredits;
      organization.defaultBudgetPeriod = request.defaultMemberBudget.period;
    }
    if (request.maxConcurrentJobsPerMember !== undefined) {
      organization.maxConcurrentJobsPerMember = request.maxConcurrentJobsPerMember;
    }
    await this.em.flush();
    if (request.timeZone !== undefined && request.timeZone !== before.timeZone) {
      await this.ledger.setPoolTimeZone(organizationId, request.timeZone);
    }
    const after = organizationView(organization, role);
    await this.audit.record({ organizationId, actorId, action: 'organization.update', targetType: 'organization', targetId: organizationId, before, after });
    return after;
  }

  /** Soft delete: the org disappears for everyone; its ledger history stays intact. */
  async delete(organizationId: string, actorId: string): Promise<void> {
    await this.em.nativeUpdate(Organization, { id: organizationId }, { deletedAt: new Date() });
    await this.audit.record({ organizationId, actorId, action: 'organization.delete', targetType: 'organization', targetId: organizationId });
  }

  async members(organizationId: string): Promise<MemberView[]> {
    const memberships = await this.em.find(
      Membership,
      { organization: organizationId },
      { populate: ['user'], orderBy: { createdAt: 'asc' } },
    );
    return Promise.all(memberships.map((membership) => this.memberView(membership)));
  }

  async member(organizationId: string, userId: string): Promise<MemberView> {
    const membership = await this.em.findOne(Membership, { organization: organizationId, user: userId }, { populate: ['user'] });
    if (membership === null) {
      throw notFound('The member');
    }
    return this.memberView(membership);
  }

  async changeRole(organizationId: string, actorId: string, userId: string, role: Role): Promise<MemberView> {
    const membership = await this.em.findOne(Membership, { organization: organizationId, user: userId }, { populate: ['user'] });
    if (membership === null) {
      throw notFound('The member');
    }
    const before = membership.role;
    if (before === 'owner' && role !== 'owner') {
      await this.assertAnotherOwner(organizationId, userId);
    }
    membership.role = role;
    await this.em.flush();
    await this.audit.record({ organizationId, actorId, action: 'member.role', targetType: 'member', targetId: userId, before: { role: before }, after: { role } });
    this.events.publish('membership.changed', { organizationId, userId, role });
    return this.memberView(membership);
  }

  async removeMember(organizationId: string, actorId: string, actorRole: Role, userId: string): Promise<void> {
    const membership = await this.em.findOne(Membership, { organization: organizationId, user: userId });
    if (membership === null) {
      throw notFound('The member');
    }
    if (membership.role === 'owner') {
      if (actorRole !== 'owner') {
        throw new ApiError(HttpStatus.FORBIDDEN, { code: 'forbidden', message: 'Only an owner can remove an owner.' });
      }
      await this.assertAnotherOwner(organizationId, userId);
    }
    await this.em.nativeDelete(Membership, { organization: organizationId, user: userId });
    await this.audit.record({ organizationId, actorId, action: 'member.remove', targetType: 'member', targetId: userId, before: { role: membership.role } });
    this.events.publish('membership.changed', { organizationId, userId, role: null });
  }

  async setBudget(organizationId: string, actorId: string, userId: string, request: SetMemberBudgetRequest): Promise<MemberView> {
    const membership = await this.em.findOne(Membership, { organization: organizationId, user: userId }, { populate: ['user'] });
    if (membership === null) {
      throw notFound('The member');
    }
    const before = budgetSettingsOf(membership);
    await this.ledger.setMemberBudget({
      organizationId,
      memberId: userId,
      limitCredits: request.limitCredits,
      period: request.period,
      actorId,
    });
    membership.budgetLimitCredits = request.limitCredits;
    membership.budgetPeriod = request.period;
    membership.alertThresholdsPercent = [...request.alertThresholdsPercent].sort((a, b) => a - b);
    membership.allowedModels = request.allowedModels;
    await this.em.flush();
    await this.audit.record({ organizationId, actorId, action: 'budget.member', targetType: 'member', targetId: userId, before, after: budgetSettingsOf(membership) });
    this.events.publish('member-budget.changed', { organizationId, userId });
    return this.memberView(membership);
  }

  async budgetOf(organizationId: string, userId: string): Promise<BudgetView> {
    return this.ledger.memberBudget(organizationId, userId);
  }

  private async memberView(membership: Membership): Promise<MemberView> {
    return {
      userId: membership.user.id,
      email: membership.user.email,
      name: membership.user.name,
      role: membership.role as Role,
      joinedAt: membership.createdAt.toISOString(),
      alertThresholdsPercent: membership.alertThresholdsPercent,
      allowedModels: membership.allowedModels ?? null,
      budget: await this.ledger.memberBudget(membership.organization.id, membership.user.id),
    };
  }

  private async assertAnotherOwner(organizationId: string, userId: string): Promise<void> {
    const owners = await this.em.count(Membership, { organization: organizationId, role: 'owner', user: { $ne: userId } });
    if (owners === 0) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'last_owner',
        message: 'An organization needs at least one owner: make someone else owner first.',
      });
    }
  }
}

function budgetSettingsOf(membership: Membership): Record<string, unknown> {
  return {
    limitCredits: membership.budgetLimitCredits ?? null,
    period: membership.budgetPeriod,
    alertThresholdsPercent: membership.alertThresholdsPercent,
    allowedModels: membership.allowedModels ?? null,
  };
}
