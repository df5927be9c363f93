import { HttpStatus, Inject, Injectable } from '@nestjs/common';
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
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiError } from '../common/error.filter.js';
import type { Membership, Organization } from '../database/entities/index.js';
import { UsersRepository } from '../auth/users.repository.js';
import { LedgerRepository } from '../repositories/ledger.repository.js';
import { EventBus } from '../events/event-bus.js';
import { PostgresPoolRepository, type TransactionClient } from '../repositories/postgres-pool.repository.js';
import { AuditService } from './audit.service.js';
import { MembershipsRepository } from './memberships.repository.js';
import { notFound } from './organization.guard.js';
import { OrganizationsRepository } from './organizations.repository.js';

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
    @Inject(OrganizationsRepository) private readonly organizations: OrganizationsRepository,
    @Inject(MembershipsRepository) private readonly memberships: MembershipsRepository,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
    @Inject(LedgerRepository) private readonly ledger: LedgerRepository,
    @Inject(EventBus) private readonly events: EventBus,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The org, its owner membership and its credit pool, in one transaction. */
  async create(userId: string, request: CreateOrganizationRequest): Promise<OrganizationView> {
    const count = await this.memberships.countOrganizationsOf(userId);
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
      await this.organizations.insert(client, { id, name: request.name, timeZone });
      await this.memberships.insertOwner(client, id, userId);
      await this.ledger.createPool(client, { organizationId: id, timeZone });
      await this.grantTrial(client, id, userId);
      await this.users.setLastOrganization(userId, id, client);
      await this.audit.record(
        { organizationId: id, actorId: userId, action: 'organization.create', targetType: 'organization', targetId: id, after: { name: request.name, timeZone } },
        client,
      );
    });
    return this.get(id, 'owner');
  }

  /** The Free tier's trial credits (TRIAL_CREDITS, expiring after TRIAL_DAYS), so a newcomer can make images at once. */
  private async grantTrial(client: TransactionClient, organizationId: string, userId: string): Promise<void> {
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
    const memberships = await this.memberships.listOfUser(userId);
    return memberships.map((membership) => organizationView(membership.organization, membership.role as Role));
  }

  async get(organizationId: string, role: Role): Promise<OrganizationView> {
    const organization = await this.organizations.findActive(organizationId);
    if (organization === null) {
      throw notFound('The organization');
    }
    return organizationView(organization, role);
  }

  async update(organizationId: string, actorId: string, role: Role, request: UpdateOrganizationRequest): Promise<OrganizationView> {
    const organization = await this.organizations.findById(organizationId);
    const before = organizationView(organization, role);
    await this.organizations.update(organization, {
      name: request.name,
      timeZone: request.timeZone,
      defaultBudgetLimitCredits: request.defaultMemberBudget?.limitCredits,
      defaultBudgetPeriod: request.defaultMemberBudget?.period,
      maxConcurrentJobsPerMember: request.maxConcurrentJobsPerMember,
    });
    if (request.timeZone !== undefined && request.timeZone !== before.timeZone) {
      await this.ledger.setPoolTimeZone(organizationId, request.timeZone);
    }
    const after = organizationView(organization, role);
    await this.audit.record({ organizationId, actorId, action: 'organization.update', targetType: 'organization', targetId: organizationId, before, after });
    return after;
  }

  /** Soft delete: the org disappears for everyone; its ledger history stays intact. */
  async delete(organizationId: string, actorId: string): Promise<void> {
    await this.organizations.softDelete(organizationId, new Date());
    await this.audit.record({ organizationId, actorId, action: 'organization.delete', targetType: 'organization', targetId: organizationId });
  }

  async members(organizationId: string): Promise<MemberView[]> {
    const memberships = await this.memberships.listOfOrganization(organizationId);
    return Promise.all(memberships.map((membership) => this.memberView(membership)));
  }

  async member(organizationId: string, userId: string): Promise<MemberView> {
    const membership = await this.memberships.findWithUser(organizationId, userId);
    if (membership === null) {
      throw notFound('The member');
    }
    return this.memberView(membership);
  }

  async changeRole(organizationId: string, actorId: string, userId: string, role: Role): Promise<MemberView> {
    const membership = await this.memberships.findWithUser(organizationId, userId);
    if (membership === null) {
      throw notFound('The member');
    }
    const before = membership.role;
    if (before === 'owner' && role !== 'owner') {
      await this.assertAnotherOwner(organizationId, userId);
    }
    await this.memberships.setRole(membership, role);
    await this.audit.record({ organizationId, actorId, action: 'member.role', targetType: 'member', targetId: userId, before: { role: before }, after: { role } });
    this.events.publish('membership.changed', { organizationId, userId, role });
    return this.memberView(membership);
  }

  async removeMember(organizationId: string, actorId: string, actorRole: Role, userId: string): Promise<void> {
    const membership = await this.memberships.find(organizationId, userId);
    if (membership === null) {
      throw notFound('The member');
    }
    if (membership.role === 'owner') {
      if (actorRole !== 'owner') {
        throw new ApiError(HttpStatus.FORBIDDEN, { code: 'forbidden', message: 'Only an owner can remove an owner.' });
      }
      await this.assertAnotherOwner(organizationId, userId);
    }
    await this.memberships.remove(organizationId, userId);
    await this.audit.record({ organizationId, actorId, action: 'member.remove', targetType: 'member', targetId: userId, before: { role: membership.role } });
    this.events.publish('membership.changed', { organizationId, userId, role: null });
  }

  async setBudget(organizationId: string, actorId: string, userId: string, request: SetMemberBudgetRequest): Promise<MemberView> {
    const membership = await this.memberships.findWithUser(organizationId, userId);
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
    await this.memberships.setBudgetSettings(membership, {
      budgetLimitCredits: request.limitCredits,
      budgetPeriod: request.period,
      alertThresholdsPercent: [...request.alertThresholdsPercent].sort((a, b) => a - b),
      allowedModels: request.allowedModels,
    });
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
    const owners = await this.memberships.countOwnersOtherThan(organizationId, userId);
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
