import path from 'node:path';
import { LocalDiskStorage } from './local-disk.storage.js';
import { S3Storage, s3PrefixProblem } from './s3.storage.js';
import type { AssetStorage } from './storage.js';

/** Region used when S3_REGION is not set (also what MinIO answers to by default). */
export const DEFAULT_S3_REGION = 'us-east-1';
/** Local assets live in `${DATA_DIR}/assets`. */
export const LOCAL_ASSETS_DIRECTORY_NAME = 'assets';
/** Bucket names: S3's rules for new buckets are stricter (3–63 lowercase); older buckets and other services vary. */
const BUCKET_NAME = /^[A-Za-z0-9._-]{3,255}$/;
const REGION_NAME = /^[A-Za-z0-9-]{1,64}$/;

/** Every variable read here. Any of them set without S3_BUCKET is a mistake worth reporting. */
export const STORAGE_VARIABLES = [
  'S3_BUCKET',
  'S3_ENDPOINT',
  'S3_REGION',
  'S3_ACCESS_KEY_ID',
  'S3_SECRET_ACCESS_KEY',
  'S3_FORCE_PATH_STYLE',
  'S3_PREFIX',
] as const;
type StorageVariable = (typeof STORAGE_VARIABLES)[number];

export interface LocalStorageConfig {
  kind: 'local';
  directory: string;
}

export interface S3StorageConfig {
  kind: 's3';
  bucket: string;
  endpoint: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  prefix: string | undefined;
}

export type StorageConfig = LocalStorageConfig | S3StorageConfig;

/** Same shape as the entries of the server's ConfigError. */
export interface StorageConfigProblem {
  variable: StorageVariable;
  message: string;
}

export type StorageConfigResult =
  | { success: true; config: StorageConfig }
  | { success: false; problems: StorageConfigProblem[] };

/**
 * Reads the asset storage settings. With S3_BUCKET: S3 (or an S3-compatible service at S3_ENDPOINT); without it:
 * local disk under `${dataDirectory}/assets`. As in the server's config, an empty or blank variable counts as unset.
 * Reports every problem at once, each naming its variable.
 */
export function parseStorageConfig(
  environment: Record<string, string | undefined>,
  dataDirectory: string,
): StorageConfigResult {
  const value = (variable: StorageVariable): string | undefined => {
    const raw = environment[variable]?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };

  const bucket = value('S3_BUCKET');
  if (bucket === undefined) {
    const strays = STORAGE_VARIABLES.filter((variable) => value(variable) !== undefined);
    if (strays.length > 0) {
      return {
        success: false,
        problems: [
          {
            variable: 'S3_BUCKET',
            message: `must be set when ${strays.join(', ')} ${strays.length === 1 ? 'is' : 'are'} set (unset them to store assets on local disk)`,
          },
        ],
      };
    }
    return { success: true, config: { kind: 'local', directory: path.join(dataDirectory, LOCAL_ASSETS_DIRECTORY_NAME) } };
  }

  const problems: StorageConfigProblem[] = [];
  if (!BUCKET_NAME.test(bucket)) {
    problems.push({
      variable: 'S3_BUCKET',
      message: 'must be a bucket name: 3 to 255 of A-Z, a-z, 0-9, ".", "_" and "-"',
    });
  }

  const endpoint = value('S3_ENDPOINT');
  if (endpoint !== undefined) {
    const problem = endpointProblem(endpoint);
    if (problem !== undefined) problems.push({ variable: 'S3_ENDPOINT', message: problem });
  }

  const region = value('S3_REGION') ?? DEFAULT_S3_REGION;
  if (!REGION_NAME.test(region)) {
    problems.push({ variable: 'S3_REGION', message: 'must be a region name such as us-east-1' });
  }

  const accessKeyId = value('S3_ACCESS_KEY_ID');
  if (accessKeyId === undefined) {
    problems.push({ variable: 'S3_ACCESS_KEY_ID', message: 'must be set when S3_BUCKET is set' });
  }
  const secretAccessKey = value('S3_SECRET_ACCESS_KEY');
  if (secretAccessKey === undefined) {
    problems.push({ variable: 'S3_SECRET_ACCESS_KEY', message: 'must be set when S3_BUCKET is set' });
  }

  const forcePathStyle = pathStyle(value('S3_FORCE_PATH_STYLE'), endpoint, problems);

  const prefix = value('S3_PREFIX');
  if (prefix !== undefined) {
    const problem = s3PrefixProblem(prefix);
    if (problem !== undefined) problems.push({ variable: 'S3_PREFIX', message: problem });
  }

  if (problems.length > 0 || accessKeyId === undefined || secretAccessKey === undefined) {
    return { success: false, problems };
  }
  return {
    success: true,
    config: { kind: 's3', bucket, endpoint, region, accessKeyId, secretAccessKey, forcePathStyle, prefix },
  };
}

function endpointProblem(endpoint: string): string | undefined {
  const message = 'must be an http:// or https:// URL such as http://minio:9000';
  if (!URL.canParse(endpoint)) return message;
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return message;
  if (url.username !== '' || url.password !== '') {
    return 'must not contain credentials (use S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)';
  }
  if (url.search !== '' || url.hash !== '') return 'must not have a query or a fragment';
  return undefined;
}

/** An AssetStorage the server owns: `close()` at shutdown releases its connections (a no-op on local disk). */
export type OwnedAssetStorage = AssetStorage & { close(): Promise<void> };

export function createAssetStorage(config: StorageConfig): OwnedAssetStorage {
  switch (config.kind) {
    case 'local':
      return new LocalDiskStorage(config.directory);
    case 's3':
      return new S3Storage(config);
  }
}

/** Default: path style with a custom endpoint (MinIO and most S3-compatible services), virtual-hosted on AWS. */
function pathStyle(text: string | undefined, endpoint: string | undefined, problems: StorageConfigProblem[]): boolean {
  if (text === undefined) return endpoint !== undefined;
  const normalized = text.toLowerCase();
  if (normalized === 'true' || normalized === 'false') return normalized === 'true';
  problems.push({ variable: 'S3_FORCE_PATH_STYLE', message: 'must be true or false' });
  return endpoint !== undefined;
}
