import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import sharp from 'sharp';
import { ASSET_KEY_MAX_LENGTH } from '../../src/storage/asset-key.js';

/** A fresh `orgs/{orgId}/assets` namespace, so tests sharing one storage never see each other's keys. */
export function freshAssetKey(name = 'image.png'): string {
  return `orgs/${randomUUID()}/assets/${name}`;
}

/** Deterministic bytes that cover every byte value (xorshift32), so that any text or encoding mangling shows. */
export function pseudoRandomBytes(length: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.alloc(length);
  let state = seed >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** A real PNG of noise (so barely compressible): signature, chunks with CRCs, NULs, CR/LF and high bytes. */
export async function noisePng(width = 64, height = 64, seed = 1): Promise<Buffer> {
  return sharp(pseudoRandomBytes(width * height * 4, seed), { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
}

/** Every byte value once, then a UTF-8-invalid run and CR/LF pairs that text handling would rewrite. */
export const EVERY_BYTE = Buffer.concat([
  Buffer.from(Array.from({ length: 256 }, (_, value) => value)),
  Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x0d, 0x0a, 0x0a, 0x0d, 0x00]),
]);

/** Valid keys at the edges of the rules. */
export const EDGE_VALID_KEYS: readonly string[] = [
  'a',
  'orgs/Org_1-a.b/assets/ASSET.9.png',
  'orgs/o/assets/...png',
  'orgs/o/assets/.hidden',
  'orgs/o/assets/...',
  // Exactly the maximum length. Its long segment is not the last one: s3rver stores an object as a file named
  // after the last segment plus a suffix, which would overflow its own file system's name limit (S3 has none).
  `${'a'.repeat(ASSET_KEY_MAX_LENGTH - 2)}/c`,
];

/** Invalid keys, each with a label saying what is wrong. */
export const INVALID_KEYS: readonly (readonly [label: string, key: string])[] = [
  ['empty', ''],
  ['parent at start', '../outside.png'],
  ['parent in the middle', 'orgs/o/../../../etc/passwd'],
  ['parent at end', 'orgs/o/assets/..'],
  ['only a parent', '..'],
  ['current directory', 'orgs/./assets/a.png'],
  ['only a dot', '.'],
  ['absolute', '/etc/passwd'],
  ['absolute root', '/'],
  ['empty segment', 'orgs//assets/a.png'],
  ['trailing slash', 'orgs/o/assets/'],
  ['backslash traversal', 'orgs\\..\\..\\outside.png'],
  ['backslash', 'orgs\\o\\a.png'],
  ['space', 'orgs/o/assets/a b.png'],
  ['percent-encoded parent', 'orgs/%2e%2e/outside.png'],
  ['NUL', 'orgs/o/a.png\u0000.jpg'],
  ['newline', 'orgs/o/a.png\n'],
  ['non-ASCII letter', 'orgs/ö/assets/a.png'],
  ['fullwidth dot lookalike', 'orgs/\uff0e\uff0e/a.png'],
  ['query', 'orgs/o/a.png?x=1'],
  ['fragment', 'orgs/o/a.png#x'],
  ['tilde (reserved for temporary files)', 'orgs/o/.~abc.tmp'],
  ['colon', 'C:/Windows/a.png'],
  ['too long', 'a'.repeat(ASSET_KEY_MAX_LENGTH + 1)],
  ['too long, in segments', `orgs/${'s/'.repeat(ASSET_KEY_MAX_LENGTH / 2)}a.png`],
];

/** Every file and directory under `directory`, relative to it, sorted; [] when it does not exist. */
export async function listTree(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory, { recursive: true })).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
