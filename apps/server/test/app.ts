import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { loadConfig } from '../src/config/config.js';
import { createApp } from '../src/app.js';

export interface TestApp {
  app: NestExpressApplication;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The real server on its own migrated database, listening on a free port. */
export async function startTestApp(environment: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ...environment });
  const app = await createApp({ ...config, databaseUrl: database.url });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) {
    throw new Error('server has no address');
  }
  return {
    app,
    url: `http://127.0.0.1:${String(address.port)}`,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
