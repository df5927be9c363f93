import { createHash, randomBytes } from 'node:crypto';

/** A URL-safe random secret of `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Hex SHA-256: tokens are stored hashed, so a database leak does not leak live secrets. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
