import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isValidAssetKey } from '../../src/storage/asset-key.js';
import { LocalDiskStorage, TEMPORARY_FILE_PREFIX } from '../../src/storage/local-disk.storage.js';
import { pseudoRandomBytes } from './fixtures.js';

const WRITER = fileURLToPath(new URL('crash-writer.ts', import.meta.url));
const TSX_LOADER = createRequire(import.meta.url).resolve('tsx');
const SERVER_TSCONFIG = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
const NEW_SIZE = 2 * 1024 * 1024;

/** Runs crash-writer.ts in a plain Node (TypeScript through tsx) and resolves with how it ended. */
async function runWriter(
  root: string,
  key: string,
  moment: 'mid-write' | 'before-rename',
): Promise<{ signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@atelier/source', '--import', TSX_LOADER, WRITER, root, key, String(NEW_SIZE), '2', moment],
    { env: { ...process.env, TSX_TSCONFIG_PATH: SERVER_TSCONFIG, NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (_code, signal) => {
      resolve({ signal, stdout, stderr });
    });
  });
}

describe('LocalDiskStorage after a crash (the writing process killed with SIGKILL)', () => {
  const key = 'orgs/org-1/assets/asset-1.png';
  const oldBytes = pseudoRandomBytes(1024 * 1024, 1);
  const newBytes = pseudoRandomBytes(NEW_SIZE, 2);
  let root: string;
  let storage: LocalDiskStorage;
  const assetDirectory = (): string => path.join(root, 'orgs/org-1/assets');

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'atelier-crash-'));
    storage = new LocalDiskStorage(root);
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describe.each(['mid-write', 'before-rename'] as const)('at %s', (moment) => {
    it('a new key stays missing; the retry then stores it', async () => {
      const outcome = await runWriter(root, key, moment);
      expect(outcome, outcome.stderr).toMatchObject({ signal: 'SIGKILL', stdout: '' });
      const orphans = await expectOneOrphan(moment);
      expect(await storage.get(key)).toBeUndefined();
      expect(orphans.every((name) => !isValidAssetKey(`orgs/org-1/assets/${name}`))).toBe(true);

      await storage.put(key, newBytes, 'image/png');
      expect((await storage.get(key))?.equals(newBytes)).toBe(true);
    });

    it('an existing key keeps its old bytes, whole', async () => {
      await storage.put(key, oldBytes, 'image/png');
      const outcome = await runWriter(root, key, moment);
      expect(outcome, outcome.stderr).toMatchObject({ signal: 'SIGKILL', stdout: '' });
      await expectOneOrphan(moment);
      expect((await storage.get(key))?.equals(oldBytes)).toBe(true);
    });
  });

  /** The crash left its temporary file (proving it hit mid-put), holding what had been written so far. */
  async function expectOneOrphan(moment: 'mid-write' | 'before-rename'): Promise<string[]> {
    const orphans = (await readdir(assetDirectory())).filter((name) => name.startsWith(TEMPORARY_FILE_PREFIX));
    expect(orphans).toHaveLength(1);
    const written = await readFile(path.join(assetDirectory(), orphans[0]!));
    expect(written.length).toBe(moment === 'mid-write' ? NEW_SIZE / 2 : NEW_SIZE);
    return orphans;
  }
});
