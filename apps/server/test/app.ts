import { ledgerOf } from './ledger-of.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createTestDatabase, type TestDatabase } from '../../../tools/testing/database.js';
import { loadConfig } from '../src/config/config.js';
import type { Provider } from '@nestjs/common';
import { createApp } from '../src/app.js';
import { TEST_POOL_SIZES } from './server-process.js';
import { MailerRepository, type Mail } from '../src/mail/mailer.repository.js';

export interface TestApp {
  app: NestExpressApplication;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  database: TestDatabase;
  /** Every mail the server sent, oldest first. */
  outbox: Mail[];
  /** Credits the org's pool, as a promotion grant (what the operator CLI or a purchase would do). */
  grantCredits(organizationId: string, amountCredits: number): Promise<void>;
  close(): Promise<void>;
}

/** The real server on its own migrated database, listening on a free port. */
export async function startTestApp(environment: Record<string, string> = {}, overrides: Provider[] = []): Promise<TestApp> {
  const database = await createTestDatabase();
  const outbox: Mail[] = [];
  const mailer: Pick<MailerRepository, 'send'> = {
    send: (mail) => {
      outbox.push(mail);
      return Promise.resolve();
    },
  };
  // No trial credits unless a test asks: tests state every balance they expect.
  // Pools sized so that two test files (each with up to three servers) fit Postgres's 100 connections.
  const config = loadConfig({ LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', TRIAL_CREDITS: '0', ...TEST_POOL_SIZES, ...environment });
  const app = await createApp({ ...config, databaseUrl: database.url }, [{ provide: MailerRepository, useValue: mailer }, ...overrides]);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (typeof address !== 'object' || address === null) {
    throw new Error('server has no address');
  }
  return {
    app,
    url: `http://127.0.0.1:${String(address.port)}`,
    database,
    outbox,
    grantCredits: async (organizationId, amountCredits) => {
      const result = await ledgerOf(app).grant({
        operationId: crypto.randomUUID(),
        orgId: organizationId,
        source: 'promotion',
        amountCredits: BigInt(amountCredits),
        actorId: organizationId,
        reason: 'test credits',
      });
      if (!result.ok) throw new Error(`grant refused: ${result.code}`);
    },
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
