import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ApiKey, Membership, Organization, User } from '../database/entities/index.js';

export interface NewApiKey {
  organizationId: string;
  userId: string;
  name: string;
  prefix: string;
  secretHash: string;
}

/** API keys (`api_keys`): one member's key to one org, stored by the hash of its secret. */
@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  /** The unrevoked key with this secret hash whose holder is still a member of its (undeleted) org, or null. */
  async findUsable(secretHash: string): Promise<ApiKey | null> {
    const key = await this.em.findOne(ApiKey, { secretHash, revokedAt: null });
    if (key === null) {
      return null;
    }
    const membership = await this.em.findOne(Membership, {
      organization: { id: key.organization.id, deletedAt: null },
      user: key.user.id,
    });
    return membership === null ? null : key;
  }

  async touch(apiKeyId: string, lastUsedAt: Date): Promise<void> {
    await this.em.nativeUpdate(ApiKey, { id: apiKeyId }, { lastUsedAt });
  }

  async revokeAllOf(userId: string, revokedAt: Date): Promise<void> {
    await this.em.nativeUpdate(ApiKey, { user: userId, revokedAt: null }, { revokedAt });
  }

  countActive(organizationId: string, userId: string): Promise<number> {
    return this.em.count(ApiKey, { organization: organizationId, user: userId, revokedAt: null });
  }

  async create(key: NewApiKey): Promise<ApiKey> {
    const created = this.em.create(ApiKey, {
      id: crypto.randomUUID(),
      organization: this.em.getReference(Organization, key.organizationId),
      user: this.em.getReference(User, key.userId),
      name: key.name,
      prefix: key.prefix,
      secretHash: key.secretHash,
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.em.flush();
    return created;
  }

  /** The org's unrevoked keys, newest first; only `userId`'s when given. */
  listActive(organizationId: string, userId: string | undefined): Promise<ApiKey[]> {
    const filter = userId === undefined ? {} : { user: userId };
    return this.em.find(ApiKey, { organization: organizationId, revokedAt: null, ...filter }, { orderBy: { createdAt: 'desc' } });
  }

  findActive(organizationId: string, apiKeyId: string): Promise<ApiKey | null> {
    return this.em.findOne(ApiKey, { id: apiKeyId, organization: organizationId, revokedAt: null });
  }

  async revoke(key: ApiKey, revokedAt: Date): Promise<void> {
    key.revokedAt = revokedAt;
    await this.em.flush();
  }
}
