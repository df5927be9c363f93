import { CreateBucketCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidAssetKeyError } from '../../src/storage/asset-key.js';
import { S3Storage, S3_PREFIX_MAX_LENGTH, type S3StorageOptions } from '../../src/storage/s3.storage.js';
import { describeAssetStorageContract } from './asset-storage.contract.js';
import { EVERY_BYTE, freshAssetKey, noisePng } from './fixtures.js';
import { S3RVER_CREDENTIALS, S3RVER_REGION, startS3rver, type RunningS3rver } from './s3rver-harness.js';

function optionsFor(server: RunningS3rver, overrides: Partial<S3StorageOptions> = {}): S3StorageOptions {
  return {
    bucket: server.bucket,
    endpoint: server.endpoint,
    region: S3RVER_REGION,
    ...S3RVER_CREDENTIALS,
    forcePathStyle: true,
    ...overrides,
  };
}

describeAssetStorageContract('S3Storage (s3rver)', async () => {
  const server = await startS3rver();
  const storage = new S3Storage(optionsFor(server));
  return {
    storage,
    listEverything: () => server.listKeys(),
    async close() {
      await storage.close();
      await server.close();
    },
  };
}, { ownsConcurrentWriteAtomicity: false });

describe('S3Storage', () => {
  let server: RunningS3rver;
  const opened: S3Storage[] = [];
  const open = (overrides: Partial<S3StorageOptions> = {}): S3Storage => {
    const storage = new S3Storage(optionsFor(server, overrides));
    opened.push(storage);
    return storage;
  };

  beforeAll(async () => {
    server = await startS3rver();
  });
  afterAll(async () => {
    await Promise.all(opened.map((storage) => storage.close()));
    await server.close();
  });

  it('stores the object under the key itself, with its content type', async () => {
    const storage = open();
    const key = freshAssetKey('typed.png');
    const png = await noisePng(8, 8);
    await storage.put(key, png, 'image/png');
    const head = await server.client.send(new HeadObjectCommand({ Bucket: server.bucket, Key: key }));
    expect(head.ContentType).toBe('image/png');
    expect(head.ContentLength).toBe(png.length);
  });

  it('with a prefix, stores under {prefix}/{key} and sees only its own objects', async () => {
    const prefixed = open({ prefix: '/tenant-a/' });
    const plain = open();
    const key = freshAssetKey();
    await prefixed.put(key, EVERY_BYTE, 'image/png');
    expect(await server.listKeys()).toContain(`tenant-a/${key}`);
    expect(await plain.get(key)).toBeUndefined();
    expect((await plain.get(`tenant-a/${key}`))?.equals(EVERY_BYTE)).toBe(true);
    expect((await prefixed.get(key))?.equals(EVERY_BYTE)).toBe(true);
    await prefixed.delete(key);
    expect(await server.listKeys()).not.toContain(`tenant-a/${key}`);
  });

  it('accepts a nested prefix and rejects an invalid or over-long one', () => {
    expect(open({ prefix: 'a/b' }).keyPrefix).toBe('a/b/');
    expect(open({ prefix: '' }).keyPrefix).toBe('');
    expect(() => open({ prefix: '../other' })).toThrow(/Invalid S3 prefix/);
    expect(() => open({ prefix: 'a//b' })).toThrow(/Invalid S3 prefix/);
    expect(() => open({ prefix: 'a b' })).toThrow(/Invalid S3 prefix/);
    expect(() => open({ prefix: 'p'.repeat(S3_PREFIX_MAX_LENGTH + 1) })).toThrow(/Invalid S3 prefix/);
  });

  it('rejects an invalid key before sending anything', async () => {
    // Port 9 on 127.0.0.1 is closed: had a request been sent, the error would be a connection error.
    const storage = open({ endpoint: 'http://127.0.0.1:9' });
    await expect(storage.get('../x.png')).rejects.toBeInstanceOf(InvalidAssetKeyError);
  });

  it('fails (does not answer "missing") when the bucket does not exist', async () => {
    const storage = open({ bucket: 'no-such-bucket' });
    await expect(storage.get(freshAssetKey())).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(storage.put(freshAssetKey(), EVERY_BYTE, 'image/png')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });

  it('fails (does not answer "missing") when the endpoint is unreachable', async () => {
    const closedPort = await unusedPort();
    const storage = open({ endpoint: `http://127.0.0.1:${String(closedPort)}` });
    await expect(storage.get(freshAssetKey())).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('works against a bucket created through the API too', async () => {
    await server.client.send(new CreateBucketCommand({ Bucket: 'created-later' }));
    const storage = open({ bucket: 'created-later' });
    const key = freshAssetKey();
    await storage.put(key, EVERY_BYTE, 'image/png');
    expect(await server.listKeys('created-later')).toEqual([key]);
    expect((await storage.get(key))?.equals(EVERY_BYTE)).toBe(true);
  });
});

/** A port nothing listens on: bound by the OS, then released. */
async function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}
