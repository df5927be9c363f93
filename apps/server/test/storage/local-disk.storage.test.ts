import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidAssetKeyError } from '../../src/storage/asset-key.js';
import { LocalDiskStorage } from '../../src/storage/local-disk.storage.js';
import { describeAssetStorageContract } from './asset-storage.contract.js';
import { EVERY_BYTE, INVALID_KEYS, freshAssetKey, listTree } from './fixtures.js';

describeAssetStorageContract('LocalDiskStorage', async () => {
  const sandbox = await mkdtemp(path.join(tmpdir(), 'atelier-local-storage-'));
  const root = path.join(sandbox, 'assets');
  return {
    storage: new LocalDiskStorage(root),
    // The whole sandbox, so that anything written beside the root would show too.
    listEverything: () => listTree(sandbox),
    close: () => rm(sandbox, { recursive: true, force: true }),
  };
});

describe('LocalDiskStorage', () => {
  let sandbox: string;
  let root: string;
  let storage: LocalDiskStorage;

  beforeEach(async () => {
    sandbox = await mkdtemp(path.join(tmpdir(), 'atelier-local-storage-'));
    root = path.join(sandbox, 'data', 'assets');
    storage = new LocalDiskStorage(root);
  });
  afterEach(async () => {
    await rm(sandbox, { recursive: true, force: true });
  });

  it('keeps each asset as the plain file {root}/{key}, creating directories as needed', async () => {
    const key = 'orgs/org-1/assets/asset-1.png';
    await storage.put(key, EVERY_BYTE, 'image/png');
    expect(await listTree(root)).toEqual(['orgs', 'orgs/org-1', 'orgs/org-1/assets', 'orgs/org-1/assets/asset-1.png']);
    expect((await stat(path.join(root, key))).size).toBe(EVERY_BYTE.length);
  });

  it('answers missing keys before the root exists, without creating it', async () => {
    expect(await storage.get('orgs/o/assets/a.png')).toBeUndefined();
    await storage.delete('orgs/o/assets/a.png');
    expect(await listTree(sandbox)).toEqual([]);
  });

  it('resolves a relative root against the working directory', () => {
    expect(new LocalDiskStorage('relative/assets').rootDirectory).toBe(path.resolve('relative/assets'));
  });

  it('leaves no temporary files behind after writes and overwrites', async () => {
    const key = freshAssetKey();
    await storage.put(key, EVERY_BYTE, 'image/png');
    await storage.put(key, Buffer.from('second'), 'image/png');
    await storage.delete(key);
    await storage.put(key, EVERY_BYTE, 'image/png');
    const files = await listTree(root);
    expect(files.filter((file) => file.includes('~'))).toEqual([]);
    expect(files.filter((file) => file.endsWith('.png'))).toEqual([key]);
  });

  it('fails a put whose path runs through an existing file, leaving that file alone', async () => {
    const key = 'orgs/o/assets/a.png';
    await storage.put(key, EVERY_BYTE, 'image/png');
    const error: unknown = await storage.put(`${key}/b.png`, EVERY_BYTE, 'image/png').catch((caught: unknown) => caught);
    expect(['EEXIST', 'ENOTDIR']).toContain((error as NodeJS.ErrnoException).code);
    expect((await storage.get(key))?.equals(EVERY_BYTE)).toBe(true);
  });

  it('fails a put at a key that is a directory, leaving what is below it alone', async () => {
    await storage.put('orgs/o/assets/a.png', EVERY_BYTE, 'image/png');
    await expect(storage.put('orgs/o', EVERY_BYTE, 'image/png')).rejects.toMatchObject({ code: 'EISDIR' });
    expect((await storage.get('orgs/o/assets/a.png'))?.equals(EVERY_BYTE)).toBe(true);
    expect((await listTree(path.join(root, 'orgs/o'))).filter((file) => file.includes('~'))).toEqual([]);
  });

  describe('cannot be made to touch anything outside the root', () => {
    const victimContent = Buffer.from('must survive');
    let victims: string[];

    beforeEach(async () => {
      // Files where a traversal from the root would land: beside it, above it, and at well-known names.
      victims = [
        path.join(sandbox, 'outside.png'),
        path.join(sandbox, 'data', 'outside.png'),
        path.join(sandbox, 'etc', 'passwd'),
        path.join(sandbox, 'data', 'assets-evil', 'a.png'),
      ];
      for (const victim of victims) {
        await mkdir(path.dirname(victim), { recursive: true });
        await writeFile(victim, victimContent);
      }
      await mkdir(root, { recursive: true });
    });

    const escapes = [
      '../outside.png',
      '../../outside.png',
      '../../etc/passwd',
      'orgs/../../outside.png',
      'orgs/../../../outside.png',
      '../assets-evil/a.png',
      `${'../'.repeat(30)}etc/passwd`,
      path.join(tmpdir(), 'outside.png'),
      '/etc/passwd',
      '..\\outside.png',
      '%2e%2e/outside.png',
      './../outside.png',
      'orgs/./../../outside.png',
    ];

    it.each(escapes)('%s', async (key) => {
      const before = await listTree(sandbox);
      await expect(storage.put(key, Buffer.from('overwritten'), 'image/png')).rejects.toBeInstanceOf(InvalidAssetKeyError);
      await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidAssetKeyError);
      await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidAssetKeyError);
      expect(await listTree(sandbox)).toEqual(before);
      for (const victim of victims) expect(await readFileOrUndefined(victim)).toEqual(victimContent);
    });

    it('pathOf never answers a path outside the root, for any invalid key', () => {
      for (const [, key] of INVALID_KEYS) expect(() => storage.pathOf(key)).toThrow(InvalidAssetKeyError);
      expect(storage.pathOf('orgs/o/a.png')).toBe(path.join(root, 'orgs', 'o', 'a.png'));
    });
  });
});

async function readFileOrUndefined(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch {
    return undefined;
  }
}
