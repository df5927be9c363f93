import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { assertValidAssetKey } from './asset-key.js';
import type { AssetStorage } from './storage.js';

/**
 * Temporary files are named `.~{random}.tmp` beside their target. `~` is never allowed in a key, so a temporary
 * file can never be read, overwritten or deleted as an asset, even one left behind by a crash.
 */
export const TEMPORARY_FILE_PREFIX = '.~';
export const TEMPORARY_FILE_SUFFIX = '.tmp';
const TEMPORARY_NAME_RANDOM_BYTES = 12;

/** Errors that mean "there is no file at this key": missing, a parent is a file, or the key is a directory. */
const NOT_A_STORED_FILE: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

function isNotAStoredFile(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && NOT_A_STORED_FILE.has(code);
}

/**
 * Assets as files under one directory (`{root}/{key}`), for a single node.
 *
 * Writes are atomic: the bytes go to a temporary file in the target's directory, which is flushed to disk and
 * then renamed over the key, so a reader (or a restart after a crash) sees the old file or the new one, never
 * half of one. Concurrent writes to one key leave one of them whole.
 */
export class LocalDiskStorage implements AssetStorage {
  readonly rootDirectory: string;

  constructor(rootDirectory: string) {
    this.rootDirectory = path.resolve(rootDirectory);
  }

  async put(key: string, bytes: Buffer, _contentType: string): Promise<void> {
    const filePath = this.pathOf(key);
    const directory = path.dirname(filePath);
    await mkdir(directory, { recursive: true });
    const temporaryPath = path.join(
      directory,
      `${TEMPORARY_FILE_PREFIX}${randomBytes(TEMPORARY_NAME_RANDOM_BYTES).toString('hex')}${TEMPORARY_FILE_SUFFIX}`,
    );
    try {
      // 'wx': never reuse an existing file, whatever its origin.
      const file = await open(temporaryPath, 'wx');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporaryPath, filePath);
    } catch (error) {
      // Best effort: the original error is the one worth reporting.
      await rm(temporaryPath, { force: true }).catch(() => undefined);
      throw error;
    }
    await syncDirectory(directory);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const filePath = this.pathOf(key);
    try {
      return await readFile(filePath);
    } catch (error) {
      if (isNotAStoredFile(error)) return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const filePath = this.pathOf(key);
    try {
      await unlink(filePath);
    } catch (error) {
      if (isNotAStoredFile(error)) return;
      throw error;
    }
  }

  /** Nothing to release; here so that every storage the server creates can be closed alike. */
  close(): Promise<void> {
    return Promise.resolve(); // no open handles between calls
  }

  /** The file for `key`; throws InvalidAssetKeyError for a key that is invalid or would leave the root. */
  pathOf(key: string): string {
    assertValidAssetKey(key);
    const filePath = path.resolve(this.rootDirectory, key);
    // The key rules already make this impossible; checked again so that no future rule change can open a hole.
    const relative = path.relative(this.rootDirectory, filePath);
    if (relative === '' || path.isAbsolute(relative) || relative.split(path.sep)[0] === '..') {
      throw new Error(`Asset key ${JSON.stringify(key)} resolves outside the storage root`);
    }
    return filePath;
  }
}

/** Makes a rename in `directory` durable across a power loss (a no-op where directories cannot be synced). */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    const code = errorCode(error);
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    await handle?.close();
  }
}
