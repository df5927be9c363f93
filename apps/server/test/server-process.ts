import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../tools/testing/free-port.js';

export { freePort };

/** Connections per test server: two test files run at once, each may start up to three servers (Postgres allows 100). */
export const TEST_POOL_SIZES = { DATABASE_POOL_SIZE: '8', ORM_POOL_SIZE: '4' } as const;

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const mainSource = path.join(repositoryRoot, 'apps', 'server', 'src', 'main.ts');
const serverTsconfig = path.join(repositoryRoot, 'apps', 'server', 'tsconfig.json');

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Resolves with the app's URL once it prints that it is running. */
  ready(timeoutMs?: number): Promise<string>;
  /** SIGTERM, then SIGKILL if it is still running after `graceMs`; resolves once it has ended (at once if it had). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL (no chance to clean up); resolves once it has ended (at once if it had). */
  kill(): Promise<void>;
}

/** Runs the real server entry point (`src/main.ts`) as its own process with the given environment. */
export function runServer(environment: Record<string, string>): ServerProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  // One process (tsx as a loader, not its CLI wrapper) so that a signal reaches the server itself.
  const child = spawn(process.execPath, ['--conditions=@atelier/source', '--import', 'tsx/esm', mainSource], {
    cwd: repositoryRoot,
    env: { ...inherited, TSX_TSCONFIG_PATH: serverTsconfig, LOG_LEVEL: 'warn', HOST: '127.0.0.1', TRIAL_CREDITS: '0', ...TEST_POOL_SIZES, ...environment },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });
  return {
    child,
    output: () => output,
    exited,
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    ready: (timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => {
          reject(new Error(`server did not start in ${String(timeoutMs)} ms:\n${output}`));
        }, timeoutMs);
        const check = (): void => {
          const match = /running at (http:\/\/\S+?)\/? /.exec(output);
          if (match?.[1] !== undefined) {
            clearTimeout(deadline);
            resolve(match[1].replace('localhost', '127.0.0.1'));
          }
        };
        child.stdout.on('data', check);
        void exited.then((code) => {
          clearTimeout(deadline);
          reject(new Error(`server exited with ${String(code)} before starting:\n${output}`));
        });
        check();
      }),
  };
}
