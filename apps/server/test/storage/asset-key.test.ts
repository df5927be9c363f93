import { describe, expect, it } from 'vitest';
import {
  ASSET_KEY_MAX_LENGTH,
  InvalidAssetKeyError,
  assertValidAssetKey,
  assetKeyProblem,
  isValidAssetKey,
} from '../../src/storage/asset-key.js';
import { EDGE_VALID_KEYS, INVALID_KEYS } from './fixtures.js';

describe('asset keys', () => {
  it.each([...EDGE_VALID_KEYS, 'orgs/0f8e2c1a-7b6d-4e5f-9a8b-1c2d3e4f5a6b/assets/1a2b3c4d.png'])('accepts %s', (key) => {
    expect(assetKeyProblem(key)).toBeUndefined();
    expect(isValidAssetKey(key)).toBe(true);
    expect(() => {
      assertValidAssetKey(key);
    }).not.toThrow();
  });

  it.each(INVALID_KEYS)('rejects %s', (_label, key) => {
    expect(assetKeyProblem(key)).toEqual(expect.any(String));
    expect(isValidAssetKey(key)).toBe(false);
    expect(() => {
      assertValidAssetKey(key);
    }).toThrow(InvalidAssetKeyError);
  });

  it('says what is wrong, quoting a shortened key', () => {
    const error = (() => {
      try {
        assertValidAssetKey(`../${'x'.repeat(ASSET_KEY_MAX_LENGTH)}`);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidAssetKeyError);
    const invalid = error as InvalidAssetKeyError;
    expect(invalid.reason).toMatch(/at most 255 characters/);
    expect(invalid.message.length).toBeLessThan(200);
    expect(invalid.key.length).toBe(ASSET_KEY_MAX_LENGTH + 3);
    expect(assetKeyProblem('a/../b')).toMatch(/"\.\."/);
    expect(assetKeyProblem('a//b')).toMatch(/empty segments/);
    expect(assetKeyProblem('/a')).toMatch(/leading/);
    expect(assetKeyProblem('a b')).toMatch(/may contain only/);
  });
});
