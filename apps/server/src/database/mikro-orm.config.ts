import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import path from 'node:path';
import { repositoryRoot } from '../paths.js';

/** MikroORM options for a database URL. Migrations are listed in code so src and dist run alike. */
export function mikroOrmOptions(databaseUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: migrations,
      snapshot: false,
      emit: 'ts',
      path: path.join(repositoryRoot, 'apps', 'server', 'src', 'database', 'migrations'),
      silent: true,
    },
    pool: { min: 0, max: 10 },
    debug: false,
    allowGlobalContext: false,
    ...overrides,
  });
}
