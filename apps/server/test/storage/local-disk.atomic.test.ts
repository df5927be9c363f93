import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalDiskStorage, TEMPORARY_FILE_PREFIX } from '../../src/storage/local-disk.storage.js';
import { pseudoRandomBytes } from './fixtures.js';

/**
 * Faults injected into the file system calls LocalDiskStorage makes for its temporary files. Everything else goes
 * straight to the real node:fs/promises.
 */
const faults = vi.hoisted(() => ({
  /** Write this fraction of the bytes, then fail as a full disk would. */
  failWriteAfterFraction: undefined as number | undefined,
  /** Write this fraction of the bytes, then wait for this promise before writing the rest. */
  pauseWriteAfterFraction: undefined as { fraction: number; paused: () => void; resume: Promise<void> } | undefined,
  failSync: false,
  failRename: false,
}));

function ioError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault`), { code });
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  const isTemporary = (file: unknown): boolean => path.basename(String(file)).startsWith(TEMPORARY_FILE_PREFIX);
  return {
    ...actual,
    async open(...args: Parameters<typeof actual.open>) {
      const handle = await actual.open(...args);
      if (!isTemporary(args[0])) return handle;
      const writeFile = handle.writeFile.bind(handle);
      handle.writeFile = async (data) => {
        const bytes = data as Buffer;
        const failAt = faults.failWriteAfterFraction;
        if (failAt !== undefined) {
          await writeFile(bytes.subarray(0, Math.floor(bytes.length * failAt)));
          throw ioError('ENOSPC');
        }
        const pause = faults.pauseWriteAfterFraction;
        if (pause !== undefined) {
          const splitAt = Math.floor(bytes.length * pause.fraction);
          await writeFile(bytes.subarray(0, splitAt));
          pause.paused();
          await pause.resume;
          await handle.write(bytes.subarray(splitAt), 0, bytes.length - splitAt, splitAt);
          return;
        }
        await writeFile(bytes);
      };
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        if (faults.failSync) throw ioError('EIO');
        await sync();
      };
      return handle;
    },
    async rename(...args: Parameters<typeof actual.rename>) {
      if (faults.failRename) throw ioError('EIO');
      await actual.rename(...args);
    },
  };
});

describe('LocalDiskStorage writes atomically', () => {
  const key = 'orgs/org-1/assets/asset-1.png';
  const oldBytes = pseudoRandomBytes(300_000, 1);
  const newBytes = pseudoRandomBytes(500_000, 2);
  let root: string;
  let storage: LocalDiskStorage;
  const assetDirectory = (): string => path.join(root, 'orgs/org-1/assets');

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'atelier-atomic-'));
    storage = new LocalDiskStorage(root);
  });
  afterEach(async () => {
    Object.assign(faults, {
      failWriteAfterFraction: undefined,
      pauseWriteAfterFraction: undefined,
      failSync: false,
      failRename: false,
    });
    await rm(root, { recursive: true, force: true });
  });

  const failures = [
    ['the disk fills up halfway through the write', () => (faults.failWriteAfterFraction = 0.5), 'ENOSPC'],
    ['flushing to disk fails', () => (faults.failSync = true), 'EIO'],
    ['the rename fails', () => (faults.failRename = true), 'EIO'],
  ] as const;

  describe.each(failures)('when %s', (_label, inject, code) => {
    it('a new key stays missing, and no temporary file is left', async () => {
      inject();
      await expect(storage.put(key, newBytes, 'image/png')).rejects.toMatchObject({ code });
      expect(await storage.get(key)).toBeUndefined();
      expect(await readdir(assetDirectory())).toEqual([]);
    });

    it('an existing key keeps its old bytes, whole, and no temporary file is left', async () => {
      await storage.put(key, oldBytes, 'image/png');
      inject();
      await expect(storage.put(key, newBytes, 'image/png')).rejects.toMatchObject({ code });
      expect((await storage.get(key))?.equals(oldBytes)).toBe(true);
      expect(await readdir(assetDirectory())).toEqual(['asset-1.png']);
    });
  });

  it('while a write is half done, readers of the key see the old bytes, whole', async () => {
    await storage.put(key, oldBytes, 'image/png');
    let resume!: () => void;
    const halfWritten = new Promise<void>((resolve) => {
      faults.pauseWriteAfterFraction = {
        fraction: 0.5,
        paused: resolve,
        resume: new Promise<void>((release) => (resume = release)),
      };
    });
    const writing = storage.put(key, newBytes, 'image/png');
    await halfWritten;

    // The half-written bytes exist, but only under a temporary name that no key can have.
    const names = await readdir(assetDirectory());
    const temporary = names.filter((name) => name.startsWith(TEMPORARY_FILE_PREFIX));
    expect(temporary).toHaveLength(1);
    expect((await readFile(path.join(assetDirectory(), temporary[0]!))).length).toBe(newBytes.length / 2);
    expect((await storage.get(key))?.equals(oldBytes)).toBe(true);

    resume();
    await writing;
    expect((await storage.get(key))?.equals(newBytes)).toBe(true);
    expect(await readdir(assetDirectory())).toEqual(['asset-1.png']);
  });

  it('after a failed write, the next write of the same key (the retry) succeeds', async () => {
    faults.failWriteAfterFraction = 0.25;
    await expect(storage.put(key, newBytes, 'image/png')).rejects.toMatchObject({ code: 'ENOSPC' });
    faults.failWriteAfterFraction = undefined;
    await storage.put(key, newBytes, 'image/png');
    expect((await storage.get(key))?.equals(newBytes)).toBe(true);
  });
});
