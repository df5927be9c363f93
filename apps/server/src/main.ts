import { ConfigError, loadConfig, type AppConfig } from './config/config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './database/embedded-postgres.js';
import path from 'node:path';

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

  // Imported after the configuration is known good, so a bad variable fails fast and quietly.
  const { createApp } = await import('./app.js');
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
