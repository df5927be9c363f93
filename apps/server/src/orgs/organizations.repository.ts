import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Organization } from '../database/entities/index.js';
import type { TransactionClient } from '../repositories/postgres-pool.repository.js';

/** What an owner or manager may change in an org's settings; absent fields stay as they are. */
export interface OrganizationChanges {
  name?: string;
  timeZone?: string;
  defaultBudgetLimitCredits?: number | null;
  defaultBudgetPeriod?: string;
  maxConcurrentJobsPerMember?: number;
}

/** Organizations (`organizations`): name, time zone, defaults for new members; soft-deleted. */
@Injectable()
export class OrganizationsRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  /** In the caller's transaction (the org is created with its owner and its credit pool). */
  async insert(client: TransactionClient, organization: { id: string; name: string; timeZone: string }): Promise<void> {
    await client.query(`insert into organizations (id, name, time_zone) values ($1, $2, $3)`, [organization.id, organization.name, organization.timeZone]);
  }

  /** The org unless deleted, read fresh (outside the request's identity map), or null. */
  findActive(organizationId: string): Promise<Organization | null> {
    return this.em.fork().findOne(Organization, { id: organizationId, deletedAt: null });
  }

  /** Throws when there is no such org. */
  findById(organizationId: string): Promise<Organization> {
    return this.em.findOneOrFail(Organization, { id: organizationId });
  }

  async update(organization: Organization, changes: OrganizationChanges): Promise<void> {
    if (changes.name !== undefined) organization.name = changes.name;
    if (changes.timeZone !== undefined) organization.timeZone = changes.timeZone;
    if (changes.defaultBudgetLimitCredits !== undefined) organization.defaultBudgetLimitCredits = changes.defaultBudgetLimitCredits;
    if (changes.defaultBudgetPeriod !== undefined) organization.defaultBudgetPeriod = changes.defaultBudgetPeriod;
    if (changes.maxConcurrentJobsPerMember !== undefined) organization.maxConcurrentJobsPerMember = changes.maxConcurrentJobsPerMember;
    await this.em.flush();
  }

  async softDelete(organizationId: string, deletedAt: Date): Promise<void> {
    await this.em.nativeUpdate(Organization, { id: organizationId }, { deletedAt });
  }
}
