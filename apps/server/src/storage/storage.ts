/** Where generated images live. Keys look like `orgs/{orgId}/assets/{assetId}.png`. */
export interface AssetStorage {
  /** Stores bytes under `key`; storing the same key twice overwrites (job retries write the same keys). */
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The stored bytes, or undefined when the key does not exist. */
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}
