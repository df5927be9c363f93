import { ConfigError, loadConfig, type AppConfig } from './config/config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './database/embedded-postgres.js';
import path from 'node:path';
import { isDatabaseUnavailable } from './common/database-errors.js';

/**
 * A lost database connection must never end the process: an error of that kind that reaches the
 * top (a library's promise nobody awaited, a pool client's 'error' event) is logged and the node
 * keeps serving (503 until the database answers). Any other uncaught error still ends it, as Node
 * does by default.
 */
function surviveDatabaseErrors(): void {
  const handle = (kind: string) => (error: unknown): void => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (isDatabaseUnavailable(error)) {
      process.stderr.write(`${kind} (database unavailable; the node keeps running): ${text}\n`);
      return;
    }
    process.stderr.write(`${kind}: ${text}\n`);
    process.exit(1);
  };
  process.on('unhandledRejection', handle('unhandled rejection'));
  process.on('uncaughtException', handle('uncaught exception'));
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  let embedded: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === undefined) {
    embedded = await startEmbeddedPostgres({
      dataDirectory: path.join(config.dataDirectory, 'postgres'),
      port: config.embeddedPostgresPort,
      log: (message) => process.stdout.write(`${message}\n`),
    });
    databaseUrl = embedded.url;
  }

  surviveDatabaseErrors();
  // Imported after the configuration is known good, so a bad variable fails fast and quietly.
  const { beginDraining, createApp } = await import('./app.js');
  const app = await createApp({ ...config, databaseUrl });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  process.stdout.write(
    `Atelier is running at http://${shownHost}:${String(port)}/ (database: ${embedded === undefined ? 'DATABASE_URL' : 'embedded Postgres in ' + embedded.dataDirectory})\n`,
  );

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    process.stdout.write(`${signal} received: finishing in-flight requests, then stopping\n`);
    const timer = setTimeout(() => {
      process.stderr.write(`shutdown took longer than ${String(config.shutdownTimeoutMs)} ms; exiting\n`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    void (async () => {
      beginDraining(app);
      await app.close();
      await embedded?.stop();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => {
    shutdown('SIGTERM');
  });
  process.on('SIGINT', () => {
    shutdown('SIGINT');
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`Atelier failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
