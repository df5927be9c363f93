// `npm run migration:create -w @atelier/server`: writes a migration for the difference between the
// entities and the committed migrations, on a scratch database. Add the new file to migrations/index.ts.
import { MikroORM } from '@mikro-orm/postgresql';
import { benchDatabase } from '../../../tools/bench/postgres.js';
import { mikroOrmOptions } from '../src/database/mikro-orm.config.js';

const database = await benchDatabase('migration');
try {
  const orm = await MikroORM.init(mikroOrmOptions(database.url, { migrations: { ...mikroOrmOptions(database.url).migrations, silent: false } }));
  await orm.migrator.up();
  const result = await orm.migrator.create(undefined, false, false, process.argv[2]);
  process.stdout.write(result.fileName ? `wrote ${result.fileName}\n` : 'no changes\n');
  await orm.close(true);
} finally {
  await database.close();
}
