import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Session, type User } from '../database/entities/index.js';

export interface NewSession {
  tokenHash: string;
  csrfToken: string;
  userAgent: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/** Cookie sessions (`sessions`), stored by the hash of their secret. */
@Injectable()
export class SessionsRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  async create(user: User, session: NewSession): Promise<void> {
    this.em.create(Session, {
      id: crypto.randomUUID(),
      tokenHash: session.tokenHash,
      user,
      csrfToken: session.csrfToken,
      userAgent: session.userAgent,
      createdAt: session.createdAt,
      lastSeenAt: session.createdAt,
      expiresAt: session.expiresAt,
      revokedAt: null,
    });
    await this.em.flush();
  }

  /** The unrevoked session with this token hash (it may have expired), or null. */
  findUnrevoked(tokenHash: string): Promise<Session | null> {
    return this.em.findOne(Session, { tokenHash, revokedAt: null });
  }

  async touch(sessionId: string, lastSeenAt: Date): Promise<void> {
    await this.em.nativeUpdate(Session, { id: sessionId }, { lastSeenAt });
  }

  async revoke(sessionId: string, revokedAt: Date): Promise<void> {
    await this.em.nativeUpdate(Session, { id: sessionId, revokedAt: null }, { revokedAt });
  }

  async revokeAllOf(userId: string, revokedAt: Date): Promise<void> {
    await this.em.nativeUpdate(Session, { user: userId, revokedAt: null }, { revokedAt });
  }
}
