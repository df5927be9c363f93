import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { ApiKeyView, CreatedApiKeyView, Role } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { randomToken, sha256 } from '../common/crypto.js';
import { ApiKey, Organization, User } from '../database/entities/index.js';
import { RevocationEvents } from '../auth/revocations.js';
import { AuditService } from './audit.service.js';
import { notFound } from './organization.guard.js';

export const API_KEY_PREFIX = 'atl_';
export const MAX_API_KEYS_PER_MEMBER = 20;

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(EntityManager) private readonly em: EntityManager,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(RevocationEvents) private readonly revocations: RevocationEvents,
  ) {}

  /** The secret is returned once; only its hash is kept. */
  async create(organizationId: string, userId: string, name: string): Promise<CreatedApiKeyView> {
    const active = await this.em.count(ApiKey, { organization: organizationId, user: userId, revokedAt: null });
    if (active >= MAX_API_KEYS_PER_MEMBER) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'conflict',
        message: `You can have at most ${String(MAX_API_KEYS_PER_MEMBER)} active API keys here: revoke one first.`,
        limit: MAX_API_KEYS_PER_MEMBER,
      });
    }
    const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
    const key = this.em.create(ApiKey, {
      id: crypto.randomUUID(),
      organization: this.em.getReference(Organization, organizationId),
      user: this.em.getReference(User, userId),
      name,
      prefix: secret.slice(0, 12),
      secretHash: sha256(secret),
      createdAt: new Date(),
      lastUsedAt: null,
      revokedAt: null,
    });
    await this.em.flush();
    await this.audit.record({ organizationId, actorId: userId, action: 'apiKey.create', targetType: 'apiKey', targetId: key.id, after: { name } });
    return { ...view(key), secret };
  }

  /** Members see their own keys; managers and owners see everyone's. */
  async list(organizationId: string, userId: string, role: Role): Promise<ApiKeyView[]> {
    const filter = role === 'owner' || role === 'manager' ? {} : { user: userId };
    const keys = await this.em.find(ApiKey, { organization: organizationId, revokedAt: null, ...filter }, { orderBy: { createdAt: 'desc' } });
    return keys.map(view);
  }

  async revoke(organizationId: string, userId: string, role: Role, apiKeyId: string): Promise<void> {
    const key = await this.em.findOne(ApiKey, { id: apiKeyId, organization: organizationId, revokedAt: null });
    const mayRevoke = key !== null && (key.user.id === userId || role === 'owner' || role === 'manager');
    if (!mayRevoke) {
      throw notFound('The API key');
    }
    key.revokedAt = new Date();
    await this.em.flush();
    this.revocations.revoked({ userId: key.user.id, kind: 'apiKey', apiKeyId });
    await this.audit.record({ organizationId, actorId: userId, action: 'apiKey.revoke', targetType: 'apiKey', targetId: apiKeyId });
  }
}

function view(key: ApiKey): ApiKeyView {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    userId: key.user.id,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
  };
}
