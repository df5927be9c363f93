import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Membership } from '../database/entities/index.js';
import type { Role } from '@atelier/contracts';
import { PostgresPoolRepository, type TransactionClient } from '../repositories/postgres-pool.repository.js';

/** A member's budget settings as stored beside the membership (the ledger holds the budget itself). */
export interface MemberBudgetSettings {
  budgetLimitCredits: number | null;
  budgetPeriod: string;
  alertThresholdsPercent: number[];
  allowedModels: string[] | null;
}

/** A member joining with an invitation: the role it gave and the org's default budget. */
export interface NewMembership {
  organizationId: string;
  userId: string;
  role: string;
  budgetLimitCredits: number | null;
  budgetPeriod: string;
}

/** Who belongs to which org (`memberships`), with their role and budget settings. */
@Injectable()
export class MembershipsRepository {
  constructor(
    @Inject(EntityManager) private readonly em: EntityManager,
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
  ) {}

  /** How many orgs (not deleted) the person belongs to. */
  countOrganizationsOf(userId: string): Promise<number> {
    return this.em.count(Membership, { user: userId, organization: { deletedAt: null } });
  }

  /** In the caller's transaction: the org's creator as its owner, with no budget limit. */
  async insertOwner(client: TransactionClient, organizationId: string, userId: string): Promise<void> {
    await client.query(
      `insert into memberships (organization_id, user_id, role, budget_limit_credits, budget_period) values ($1, $2, 'owner', null, 'none')`,
      [organizationId, userId],
    );
  }

  /** In the caller's transaction; false when the person already was a member. */
  async insertIfAbsent(client: TransactionClient, membership: NewMembership): Promise<boolean> {
    const inserted = await client.query(
      `insert into memberships (organization_id, user_id, role, budget_limit_credits, budget_period)
         values ($1, $2, $3, $4, $5) on conflict do nothing`,
      [membership.organizationId, membership.userId, membership.role, membership.budgetLimitCredits, membership.budgetPeriod],
    );
    return inserted.rowCount === 1;
  }

  /** The person's memberships of orgs not deleted, with their orgs, by org name. */
  listOfUser(userId: string): Promise<Membership[]> {
    return this.em.find(
      Membership,
      { user: userId, organization: { deletedAt: null } },
      { populate: ['organization'], orderBy: { organization: { name: 'asc' } } },
    );
  }

  /** The org's memberships with their users, oldest first. */
  listOfOrganization(organizationId: string): Promise<Membership[]> {
    return this.em.find(Membership, { organization: organizationId }, { populate: ['user'], orderBy: { createdAt: 'asc' } });
  }

  find(organizationId: string, userId: string): Promise<Membership | null> {
    return this.em.findOne(Membership, { organization: organizationId, user: userId });
  }

  findWithUser(organizationId: string, userId: string): Promise<Membership | null> {
    return this.em.findOne(Membership, { organization: organizationId, user: userId }, { populate: ['user'] });
  }

  /** The person's role in the org (not deleted), or null when they are not a member. */
  /** The roles of these members in orgs not deleted (a pair without one is absent). */
  async rolesOf(members: readonly { organizationId: string; userId: string }[]): Promise<{ organizationId: string; userId: string; role: Role }[]> {
    const result = await this.postgres.pool.query<{ organization_id: string; user_id: string; role: Role }>(
      `select m.organization_id, m.user_id, m.role
         from unnest($1::uuid[], $2::uuid[]) as k(organization_id, user_id)
         join memberships m on m.organization_id = k.organization_id and m.user_id = k.user_id
         join organizations o on o.id = m.organization_id and o.deleted_at is null`,
      [members.map((member) => member.organizationId), members.map((member) => member.userId)],
    );
    return result.rows.map((row) => ({ organizationId: row.organization_id, userId: row.user_id, role: row.role }));
  }

  async roleIn(organizationId: string, userId: string): Promise<string | null> {
    const membership = await this.em.findOne(
      Membership,
      { organization: { id: organizationId, deletedAt: null }, user: userId },
      { fields: ['role'] },
    );
    return membership?.role ?? null;
  }

  /** Whether the person is a member of the org and the org is not deleted (read outside the ORM: sockets ask it). */
  async isMemberOfActiveOrganization(organizationId: string, userId: string): Promise<boolean> {
    const result = await this.postgres.pool.query(
      `select 1 from memberships m join organizations o on o.id = m.organization_id
       where m.organization_id = $1 and m.user_id = $2 and o.deleted_at is null`,
      [organizationId, userId],
    );
    return result.rowCount === 1;
  }

  /** The models the member may use (null: every model, or not a member). */
  async allowedModels(organizationId: string, userId: string): Promise<string[] | null> {
    const result = await this.postgres.pool.query<{ allowed_models: string[] | null }>(
      `select allowed_models from memberships where organization_id = $1 and user_id = $2`,
      [organizationId, userId],
    );
    return result.rows[0]?.allowed_models ?? null;
  }

  /** Whether someone with this email is a member of the org. */
  async hasMemberWithEmail(organizationId: string, email: string): Promise<boolean> {
    return (await this.em.count(Membership, { organization: organizationId, user: { email } })) > 0;
  }

  countOwnersOtherThan(organizationId: string, userId: string): Promise<number> {
    return this.em.count(Membership, { organization: organizationId, role: 'owner', user: { $ne: userId } });
  }

  async setRole(membership: Membership, role: string): Promise<void> {
    membership.role = role;
    await this.em.flush();
  }

  async setBudgetSettings(membership: Membership, settings: MemberBudgetSettings): Promise<void> {
    membership.budgetLimitCredits = settings.budgetLimitCredits;
    membership.budgetPeriod = settings.budgetPeriod;
    membership.alertThresholdsPercent = settings.alertThresholdsPercent;
    membership.allowedModels = settings.allowedModels;
    await this.em.flush();
  }

  async remove(organizationId: string, userId: string): Promise<void> {
    await this.em.nativeDelete(Membership, { organization: organizationId, user: userId });
  }
}
