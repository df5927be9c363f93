import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidAssetKeyError } from '../../src/storage/asset-key.js';
import type { AssetStorage } from '../../src/storage/storage.js';
import { EDGE_VALID_KEYS, EVERY_BYTE, INVALID_KEYS, freshAssetKey, noisePng, pseudoRandomBytes } from './fixtures.js';

export interface StorageUnderTest {
  storage: AssetStorage;
  /** Everything stored anywhere the storage can write (every file under the root, every object in the bucket). */
  listEverything(): Promise<string[]>;
  close(): Promise<void>;
}

/** Few MB: bigger than any buffer or default chunk size on the way, still quick. */
const LARGE_OBJECT_BYTES = 6 * 1024 * 1024 + 12_345;
const CONCURRENT_WRITERS = 8;

export interface ContractOptions {
  /**
   * False where whole-object replacement under concurrent writes is the server's guarantee, not
   * our code's (S3's PUT is atomic; s3rver, the stand-in, writes files in place and can interleave).
   */
  ownsConcurrentWriteAtomicity: boolean;
}

/** The behaviour every AssetStorage must have; each implementation's test file runs it against its own setup. */
export function describeAssetStorageContract(
  name: string,
  open: () => Promise<StorageUnderTest>,
  options: ContractOptions = { ownsConcurrentWriteAtomicity: true },
): void {
  describe(`${name}: AssetStorage contract`, () => {
    let subject: StorageUnderTest;
    let storage: AssetStorage;

    beforeAll(async () => {
      subject = await open();
      storage = subject.storage;
    });
    afterAll(async () => {
      await subject.close();
    });

    it('round-trips a real PNG byte for byte', async () => {
      const key = freshAssetKey('picture.png');
      const png = await noisePng();
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      await storage.put(key, png, 'image/png');
      const stored = await storage.get(key);
      expect(Buffer.isBuffer(stored)).toBe(true);
      expect(stored?.equals(png)).toBe(true);
    });

    it('round-trips every byte value, invalid UTF-8 and CR/LF unchanged', async () => {
      const key = freshAssetKey('bytes.bin');
      await storage.put(key, EVERY_BYTE, 'application/octet-stream');
      expect((await storage.get(key))?.equals(EVERY_BYTE)).toBe(true);
    });

    it('round-trips an empty object as an empty buffer, not as missing', async () => {
      const key = freshAssetKey('empty.png');
      await storage.put(key, Buffer.alloc(0), 'image/png');
      const stored = await storage.get(key);
      expect(stored).toBeDefined();
      expect(stored?.length).toBe(0);
    });

    it('stores a copy: changing the caller’s buffer after put changes nothing', async () => {
      const key = freshAssetKey();
      const bytes = Buffer.from(EVERY_BYTE);
      await storage.put(key, bytes, 'image/png');
      bytes.fill(0);
      expect((await storage.get(key))?.equals(EVERY_BYTE)).toBe(true);
    });

    it('overwrites, including with a shorter object (no leftover tail)', async () => {
      const key = freshAssetKey();
      const long = pseudoRandomBytes(100_000, 1);
      const short = pseudoRandomBytes(10, 2);
      await storage.put(key, long, 'image/png');
      await storage.put(key, short, 'image/png');
      expect((await storage.get(key))?.equals(short)).toBe(true);
      const longer = pseudoRandomBytes(200_000, 3);
      await storage.put(key, longer, 'image/png');
      expect((await storage.get(key))?.equals(longer)).toBe(true);
    });

    it('writing the same bytes again (a job retry) leaves them as they were', async () => {
      const key = freshAssetKey();
      const bytes = await noisePng(16, 16, 7);
      await storage.put(key, bytes, 'image/png');
      await storage.put(key, bytes, 'image/png');
      expect((await storage.get(key))?.equals(bytes)).toBe(true);
    });

    it('answers undefined for a missing key, in a missing or an existing "directory"', async () => {
      expect(await storage.get(freshAssetKey('never-written.png'))).toBeUndefined();
      const key = freshAssetKey();
      await storage.put(key, EVERY_BYTE, 'image/png');
      expect(await storage.get(key.replace(/[^/]+$/, 'sibling.png'))).toBeUndefined();
    });

    it('answers undefined for a key that is only a prefix of stored keys', async () => {
      const key = freshAssetKey('deep.png');
      await storage.put(key, EVERY_BYTE, 'image/png');
      const parent = key.slice(0, key.lastIndexOf('/'));
      expect(await storage.get(parent)).toBeUndefined();
      await storage.delete(parent); // and deleting it is a harmless no-op
      expect((await storage.get(key))?.equals(EVERY_BYTE)).toBe(true);
    });

    it('answers undefined for a key below a stored key, as if the stored key were a directory', async () => {
      const key = freshAssetKey('file.png');
      await storage.put(key, EVERY_BYTE, 'image/png');
      expect(await storage.get(`${key}/below.png`)).toBeUndefined();
      await storage.delete(`${key}/below.png`);
    });

    it('keeps keys apart: different keys, different bytes', async () => {
      const first = freshAssetKey('one.png');
      const second = first.replace(/one\.png$/, 'two.png');
      await storage.put(first, pseudoRandomBytes(1000, 11), 'image/png');
      await storage.put(second, pseudoRandomBytes(1000, 12), 'image/png');
      expect((await storage.get(first))?.equals(pseudoRandomBytes(1000, 11))).toBe(true);
      expect((await storage.get(second))?.equals(pseudoRandomBytes(1000, 12))).toBe(true);
    });

    it('is case-sensitive', async () => {
      const lower = freshAssetKey('case.png');
      const upper = lower.replace(/case\.png$/, 'CASE.png');
      await storage.put(lower, pseudoRandomBytes(10, 21), 'image/png');
      expect(await storage.get(upper)).toBeUndefined();
    });

    it('deletes, leaving other keys alone', async () => {
      const key = freshAssetKey('doomed.png');
      const neighbour = key.replace(/doomed\.png$/, 'neighbour.png');
      await storage.put(key, EVERY_BYTE, 'image/png');
      await storage.put(neighbour, EVERY_BYTE, 'image/png');
      await storage.delete(key);
      expect(await storage.get(key)).toBeUndefined();
      expect((await storage.get(neighbour))?.equals(EVERY_BYTE)).toBe(true);
    });

    it('deleting a missing key (or twice) succeeds', async () => {
      await expect(storage.delete(freshAssetKey('never-written.png'))).resolves.toBeUndefined();
      const key = freshAssetKey();
      await storage.put(key, EVERY_BYTE, 'image/png');
      await storage.delete(key);
      await expect(storage.delete(key)).resolves.toBeUndefined();
    });

    it('can store a key again after deleting it', async () => {
      const key = freshAssetKey();
      await storage.put(key, pseudoRandomBytes(50, 31), 'image/png');
      await storage.delete(key);
      await storage.put(key, pseudoRandomBytes(60, 32), 'image/png');
      expect((await storage.get(key))?.equals(pseudoRandomBytes(60, 32))).toBe(true);
    });

    it(`round-trips a large object (${(LARGE_OBJECT_BYTES / 1024 / 1024).toFixed(1)} MB)`, async () => {
      const key = freshAssetKey('large.png');
      const large = pseudoRandomBytes(LARGE_OBJECT_BYTES, 41);
      await storage.put(key, large, 'image/png');
      const stored = await storage.get(key);
      expect(stored?.length).toBe(LARGE_OBJECT_BYTES);
      expect(stored?.equals(large)).toBe(true);
    });

    if (options.ownsConcurrentWriteAtomicity) {
      it('concurrent writes to one key leave exactly one of them, whole', async () => {
        const key = freshAssetKey('contended.png');
        const candidates = Array.from({ length: CONCURRENT_WRITERS }, (_, index) =>
          pseudoRandomBytes(300_000 + index * 1000, 100 + index),
        );
        await Promise.all(candidates.map((bytes) => storage.put(key, bytes, 'image/png')));
        const stored = await storage.get(key);
        expect(candidates.filter((bytes) => stored?.equals(bytes) === true)).toHaveLength(1);
      });
    }

    it('concurrent writes of many keys into one new "directory" all land', async () => {
      const base = freshAssetKey('x').replace(/x$/, '');
      const keys = Array.from({ length: 20 }, (_, index) => `${base}nested/${String(index)}.png`);
      await Promise.all(keys.map((key, index) => storage.put(key, pseudoRandomBytes(1000, 200 + index), 'image/png')));
      const stored = await Promise.all(keys.map((key) => storage.get(key)));
      stored.forEach((bytes, index) => {
        expect(bytes?.equals(pseudoRandomBytes(1000, 200 + index))).toBe(true);
      });
    });

    it.each(EDGE_VALID_KEYS.map((key) => [key.length > 40 ? `${key.slice(0, 40)}… (${String(key.length)})` : key, key]))(
      'accepts the edge-case valid key %s',
      async (_label, key) => {
        await storage.put(key, EVERY_BYTE, 'image/png');
        expect((await storage.get(key))?.equals(EVERY_BYTE)).toBe(true);
        await storage.delete(key);
        expect(await storage.get(key)).toBeUndefined();
      },
    );

    it.each(INVALID_KEYS)('rejects an invalid key (%s) in put, get and delete, storing nothing', async (_label, key) => {
      const before = await subject.listEverything();
      await expect(storage.put(key, EVERY_BYTE, 'image/png')).rejects.toBeInstanceOf(InvalidAssetKeyError);
      await expect(storage.get(key)).rejects.toBeInstanceOf(InvalidAssetKeyError);
      await expect(storage.delete(key)).rejects.toBeInstanceOf(InvalidAssetKeyError);
      expect(await subject.listEverything()).toEqual(before);
    });
  });
}
