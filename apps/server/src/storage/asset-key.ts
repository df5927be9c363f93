/**
 * Asset keys, shared by every AssetStorage: `orgs/{orgId}/assets/{assetId}.png`.
 *
 * The rules are strict on purpose, so that a key means the same object on local disk and in S3 and can never
 * name a path outside the storage root: only ASCII letters, digits, `.`, `_`, `-` and `/` between segments.
 */

/**
 * Longest key accepted, in characters (all ASCII, so also bytes). It fits the `assets.storage_key varchar(255)`
 * column, leaves room for a prefix within S3's 1024-byte object keys, and keeps every segment within the 255-byte
 * file name limit of common file systems (NAME_MAX).
 */
export const ASSET_KEY_MAX_LENGTH = 255;
/** Every character a key may contain. */
export const ASSET_KEY_ALLOWED_CHARACTERS = /^[A-Za-z0-9._/-]*$/;
/** Segments that mean "this directory" and "the parent directory" to a file system. */
const RELATIVE_SEGMENTS: ReadonlySet<string> = new Set(['.', '..']);
/** How much of a rejected key an error message quotes. */
const QUOTED_KEY_MAX_LENGTH = 80;

export class InvalidAssetKeyError extends Error {
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    const quoted = key.length > QUOTED_KEY_MAX_LENGTH ? `${key.slice(0, QUOTED_KEY_MAX_LENGTH)}…` : key;
    super(`Invalid asset key ${JSON.stringify(quoted)}: ${reason}`);
    this.name = 'InvalidAssetKeyError';
  }
}

/** Why `key` is not a valid asset key, or undefined when it is. */
export function assetKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > ASSET_KEY_MAX_LENGTH) return `must be at most ${ASSET_KEY_MAX_LENGTH} characters`;
  if (!ASSET_KEY_ALLOWED_CHARACTERS.test(key)) return 'may contain only A-Z, a-z, 0-9, ".", "_", "-" and "/"';
  if (key.startsWith('/')) return 'must be relative (no leading "/")';
  for (const segment of key.split('/')) {
    if (segment.length === 0) return 'must not have empty segments ("//" or a trailing "/")';
    if (RELATIVE_SEGMENTS.has(segment)) return 'must not have "." or ".." segments';
  }
  return undefined;
}

export function isValidAssetKey(key: string): boolean {
  return assetKeyProblem(key) === undefined;
}

/** Throws InvalidAssetKeyError unless `key` is a valid asset key. */
export function assertValidAssetKey(key: string): void {
  const problem = assetKeyProblem(key);
  if (problem !== undefined) throw new InvalidAssetKeyError(key, problem);
}
