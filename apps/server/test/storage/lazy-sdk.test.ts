import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createAssetStorage } from '../../src/storage/storage-config.js';

// Counts imports of the AWS SDK in this file's module graph, and makes each one fail.
const sdkImports = vi.hoisted(() => ({ count: 0 }));
vi.mock('@aws-sdk/client-s3', () => {
  sdkImports.count += 1;
  throw new Error('the AWS SDK was loaded');
});

describe('the AWS SDK is loaded only when S3 is used', () => {
  it('a server on local disk never loads it', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'atelier-lazy-sdk-'));
    try {
      const storage = createAssetStorage({ kind: 'local', directory });
      await storage.put('orgs/o/assets/a.png', Buffer.from([1, 2, 3]), 'image/png');
      expect(await storage.get('orgs/o/assets/a.png')).toEqual(Buffer.from([1, 2, 3]));
      await storage.close();
      expect(sdkImports.count).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('creating (and closing) S3 storage does not load it; the first request does', async () => {
    const storage = createAssetStorage({
      kind: 's3',
      bucket: 'atelier-assets',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
      prefix: undefined,
    });
    await storage.close();
    expect(sdkImports.count).toBe(0);
    await expect(storage.get('orgs/o/assets/a.png')).rejects.toThrow();
    expect(sdkImports.count).toBe(1);
  });
});
