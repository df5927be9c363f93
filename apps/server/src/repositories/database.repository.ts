import { Inject, Injectable } from '@nestjs/common';
import { MikroORM, RequestContext } from '@mikro-orm/postgresql';
import { SystemMetadata } from '../database/entities/index.js';

export interface Installation {
  id: string;
  firstStartedAt: string;
}

/** Owns direct database access that is not a domain aggregate: pings, installation facts. */
@Injectable()
export class DatabaseRepository {
  constructor(@Inject(MikroORM) private readonly orm: MikroORM) {}

  /** Round-trip time of a trivial query, in milliseconds. Throws when the database is unreachable. */
  async ping(): Promise<number> {
    const started = performance.now();
    await this.orm.em.getConnection().execute('select 1');
    return performance.now() - started;
  }

  /**
   * Runs `work` with its own ORM identity map, as each HTTP request gets one: for repository calls
   * made outside a request (a socket handshake).
   */
  withOwnContext<T>(work: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.orm.em, work);
  }

  /** The installation's identity, created on first start and kept across restarts. */
  async ensureInstallation(): Promise<Installation> {
    const candidate: Installation = { id: crypto.randomUUID(), firstStartedAt: new Date().toISOString() };
    const connection = this.orm.em.getConnection();
    await connection.execute(
      `insert into system_metadata (key, value) values ('installation', ?::jsonb) on conflict (key) do nothing`,
      [JSON.stringify(candidate)],
    );
    const row = await this.orm.em.fork().findOneOrFail(SystemMetadata, { key: 'installation' });
    return row.value as unknown as Installation;
  }
}
