/**
 * Child process for local-disk.crash.test.ts: writes one asset with LocalDiskStorage and is killed with SIGKILL
 * (no `finally`, no cleanup, as in a power cut or an OOM kill) at the moment given on the command line.
 *
 *   crash-writer.ts ROOT KEY SIZE SEED (mid-write | before-rename)
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { pseudoRandomBytes } from './fixtures.js';

const [root, key, size, seed, moment] = process.argv.slice(2);
if (root === undefined || key === undefined || size === undefined || seed === undefined || moment === undefined) {
  throw new Error('usage: crash-writer.ts ROOT KEY SIZE SEED (mid-write | before-rename)');
}

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: SIGKILL did not stop the process');
}

// Patch node:fs/promises before the storage module binds to it (syncBuiltinESMExports updates ESM imports).
const fs = createRequire(import.meta.url)('node:fs/promises') as typeof import('node:fs/promises');
const { open } = fs;
if (moment === 'mid-write') {
  fs.open = async (...args: Parameters<typeof open>) => {
    const handle = await open(...args);
    handle.writeFile = async (data) => {
      const bytes = data as Buffer;
      await handle.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
      await handle.sync();
      die();
    };
    return handle;
  };
} else if (moment === 'before-rename') {
  fs.rename = () => Promise.resolve(die());
} else {
  throw new Error(`unknown moment ${moment}`);
}
syncBuiltinESMExports();

const { LocalDiskStorage } = await import('../../src/storage/local-disk.storage.js');
await new LocalDiskStorage(root).put(key, pseudoRandomBytes(Number(size), Number(seed)), 'image/png');
process.stdout.write('survived\n');
