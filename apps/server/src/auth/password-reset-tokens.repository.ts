import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { PasswordResetToken, type User } from '../database/entities/index.js';

/** One-use password reset links (`password_reset_tokens`), stored by the hash of their secret. */
@Injectable()
export class PasswordResetTokensRepository {
  constructor(@Inject(EntityManager) private readonly em: EntityManager) {}

  async create(user: User, tokenHash: string, createdAt: Date, expiresAt: Date): Promise<void> {
    this.em.create(PasswordResetToken, { tokenHash, user, createdAt, expiresAt, usedAt: null });
    await this.em.flush();
  }

  /** Marks an unused, unexpired token used (once, even when raced); its user's id, or undefined. */
  async use(tokenHash: string, now: Date): Promise<string | undefined> {
    const used = await this.em.nativeUpdate(
      PasswordResetToken,
      { tokenHash, usedAt: null, expiresAt: { $gt: now } },
      { usedAt: now },
    );
    if (used !== 1) {
      return undefined;
    }
    const reset = await this.em.findOneOrFail(PasswordResetToken, { tokenHash });
    return reset.user.id;
  }
}
