import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { ASSET_KEY_MAX_LENGTH, assertValidAssetKey, assetKeyProblem } from './asset-key.js';
import type { AssetStorage } from './storage.js';

/**
 * Longest prefix accepted. A prefix follows the key rules, so `{prefix}/{key}` is at most 511 bytes, well within
 * S3's 1024-byte limit on object keys.
 */
export const S3_PREFIX_MAX_LENGTH = ASSET_KEY_MAX_LENGTH;
/** How long to wait for a TCP (and TLS) connection to the endpoint. */
export const S3_CONNECTION_TIMEOUT_MS = 5_000;
/** How long a connection may sit idle mid-request before the attempt fails (and the SDK retries). */
export const S3_SOCKET_IDLE_TIMEOUT_MS = 60_000;

export interface S3StorageOptions {
  bucket: string;
  /** For S3-compatible services (MinIO, …); absent means AWS S3 for `region`. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `http://endpoint/bucket/key` instead of `http://bucket.endpoint/key`; MinIO usually needs it. */
  forcePathStyle?: boolean | undefined;
  /** Stored under `{prefix}/{key}`, to share a bucket; same character rules as keys. */
  prefix?: string | undefined;
}

/** Why `prefix` cannot be an S3Storage prefix, or undefined when it can. Slashes at either end are ignored. */
export function s3PrefixProblem(prefix: string): string | undefined {
  const trimmed = trimSlashes(prefix);
  return trimmed === '' ? undefined : assetKeyProblem(trimmed);
}

function trimSlashes(value: string): string {
  return value.replace(/^\/+|\/+$/g, '');
}

type S3Sdk = typeof import('@aws-sdk/client-s3');

/**
 * Assets as objects in an S3 bucket (or an S3-compatible service), shared by every node.
 *
 * The AWS SDK is imported on first use, so a server on local disk never loads it (and neither do tests that never
 * touch S3: see test/storage/aws-sdk-node-conditions.ts for why that matters under Vitest).
 */
export class S3Storage implements AssetStorage {
  readonly bucket: string;
  /** '' or `{prefix}/`. */
  readonly keyPrefix: string;
  private readonly clientConfig: S3ClientConfig;
  private connection: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;

  constructor(options: S3StorageOptions) {
    const prefix = trimSlashes(options.prefix ?? '');
    const problem = s3PrefixProblem(prefix);
    if (problem !== undefined) throw new Error(`Invalid S3 prefix ${JSON.stringify(options.prefix)}: ${problem}`);
    this.bucket = options.bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.clientConfig = {
      region: options.region,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      requestHandler: { connectionTimeout: S3_CONNECTION_TIMEOUT_MS, socketTimeout: S3_SOCKET_IDLE_TIMEOUT_MS },
    };
  }

  async put(key: string, bytes: Buffer, contentType: string): Promise<void> {
    const objectKey = this.objectKey(key);
    const { sdk, client } = await this.connect();
    await client.send(
      new sdk.PutObjectCommand({
        Bucket: this.bucket,
        Key: objectKey,
        Body: bytes,
        ContentLength: bytes.length,
        ContentType: contentType,
      }),
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    const objectKey = this.objectKey(key);
    const { sdk, client } = await this.connect();
    let response;
    try {
      response = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
    } catch (error) {
      // Only a missing object is "absent": a missing bucket, bad credentials or an outage must not look like one.
      if (error instanceof sdk.NoSuchKey || (error instanceof Error && error.name === 'NoSuchKey')) return undefined;
      throw error;
    }
    if (response.Body === undefined) throw new Error(`S3 returned no body for ${objectKey}`);
    const bytes = await response.Body.transformToByteArray();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    const { sdk, client } = await this.connect();
    // S3 answers a delete of a missing object with success, as AssetStorage wants.
    await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey }));
  }

  /** Closes the client's connections (at shutdown); a later call would open new ones. */
  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection === undefined) return;
    const { client } = await connection;
    client.destroy();
  }

  private connect(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.connection ??= import('@aws-sdk/client-s3').then((sdk) => ({
      sdk,
      client: new sdk.S3Client(this.clientConfig),
    }));
    return this.connection;
  }

  private objectKey(key: string): string {
    assertValidAssetKey(key);
    return this.keyPrefix + key;
  }
}
