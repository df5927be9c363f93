import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSET_STORAGE } from '../../src/repositories/tokens.js';
import { LocalDiskStorage } from '../../src/storage/local-disk.storage.js';
import { startTestApp } from '../app.js';

describe('asset storage at shutdown', () => {
  it('is closed once when the server stops, releasing its connections', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'atelier-storage-shutdown-'));
    const storage = new LocalDiskStorage(directory);
    const closes: number[] = [];
    const original = storage.close.bind(storage);
    storage.close = async () => {
      closes.push(Date.now());
      await original();
    };
    try {
      const server = await startTestApp({}, [{ provide: ASSET_STORAGE, useValue: storage }]);
      expect(closes).toEqual([]);
      await server.close();
      expect(closes).toHaveLength(1);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
