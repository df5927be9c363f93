import { Inject, Injectable } from '@nestjs/common';
import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { User } from '../database/entities/index.js';
import { PostgresPoolRepository, type TransactionClient } from '../repositories/postgres-pool.repository.js';

export interface NewUser {
  email: string;
  name: string;
  passwordHash: string;
}

/** People's accounts (`users`): who they are, their password hash, the org they last opened. */
@Injectable()
export class UsersRepository {
  constructor(
    @Inject(EntityManager) private readonly em: EntityManager,
    @Inject(PostgresPoolRepository) private readonly postgres: PostgresPoolRepository,
  ) {}

  /** The new account, or undefined when the email already has one. */
  async create(user: NewUser): Promise<User | undefined> {
    const created = this.em.create(User, {
      id: crypto.randomUUID(),
      email: user.email,
      name: user.name,
      passwordHash: user.passwordHash,
      lastOrganizationId: null,
      createdAt: new Date(),
    });
    try {
      await this.em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) {
        this.em.clear();
        return undefined;
      }
      throw error;
    }
    return created;
  }

  findByEmail(email: string): Promise<User | null> {
    return this.em.findOne(User, { email });
  }

  async existsWithEmail(email: string): Promise<boolean> {
    return (await this.em.count(User, { email })) > 0;
  }

  /** The person's display name ('' when there is no such user). */
  async nameOf(userId: string): Promise<string> {
    const user = await this.postgres.pool.query<{ name: string }>(`select name from users where id = $1`, [userId]);
    return user.rows[0]?.name ?? '';
  }

  /** Throws when there is no such user. */
  findById(userId: string): Promise<User> {
    return this.em.findOneOrFail(User, { id: userId });
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.em.nativeUpdate(User, { id: userId }, { passwordHash });
  }

  /** Inside the caller's transaction when a client is given. */
  async setLastOrganization(userId: string, organizationId: string, client?: TransactionClient): Promise<void> {
    if (client === undefined) {
      await this.em.nativeUpdate(User, { id: userId }, { lastOrganizationId: organizationId });
    } else {
      await client.query(`update users set last_organization_id = $1 where id = $2`, [organizationId, userId]);
    }
  }
}
