import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { ApiKeyView, CreatedApiKeyView, Role } from '@atelier/contracts';
import { ApiError } from '../common/error.filter.js';
import { randomToken, sha256 } from '../common/crypto.js';
import type { ApiKey } from '../database/entities/index.js';
import { ApiKeysRepository } from '../auth/api-keys.repository.js';
import { RevocationEvents } from '../auth/revocations.js';
import { AuditService } from './audit.service.js';
import { notFound } from './organization.guard.js';

export const API_KEY_PREFIX = 'atl_';
export const MAX_API_KEYS_PER_MEMBER = 20;

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(ApiKeysRepository) private readonly apiKeys: ApiKeysRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(RevocationEvents) private readonly revocations: RevocationEvents,
  ) {}

  /** The secret is returned once; only its hash is kept. */
  async create(organizationId: string, userId: string, name: string): Promise<CreatedApiKeyView> {
    const active = await this.apiKeys.countActive(organizationId, userId);
    if (active >= MAX_API_KEYS_PER_MEMBER) {
      throw new ApiError(HttpStatus.CONFLICT, {
        code: 'conflict',
        message: `You can have at most ${String(MAX_API_KEYS_PER_MEMBER)} active API keys here: revoke one first.`,
        limit: MAX_API_KEYS_PER_MEMBER,
      });
    }
    const secret = `${API_KEY_PREFIX}${randomToken(32)}`;
    const key = await this.apiKeys.create({ organizationId, userId, name, prefix: secret.slice(0, 12), secretHash: sha256(secret) });
    await this.audit.record({ organizationId, actorId: userId, action: 'apiKey.create', targetType: 'apiKey', targetId: key.id, after: { name } });
    return { ...view(key), secret };
  }

  /** Members see their own keys; managers and owners see everyone's. */
  async list(organizationId: string, userId: string, role: Role): Promise<ApiKeyView[]> {
    const keys = await this.apiKeys.listActive(organizationId, role === 'owner' || role === 'manager' ? undefined : userId);
    return keys.map(view);
  }

  async revoke(organizationId: string, userId: string, role: Role, apiKeyId: string): Promise<void> {
    const key = await this.apiKeys.findActive(organizationId, apiKeyId);
    const mayRevoke = key !== null && (key.user.id === userId || role === 'owner' || role === 'manager');
    if (!mayRevoke) {
      throw notFound('The API key');
    }
    await this.apiKeys.revoke(key, new Date());
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
