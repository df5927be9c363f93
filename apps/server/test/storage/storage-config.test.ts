import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalDiskStorage } from '../../src/storage/local-disk.storage.js';
import { S3Storage } from '../../src/storage/s3.storage.js';
import {
  DEFAULT_S3_REGION,
  createAssetStorage,
  parseStorageConfig,
  type StorageConfigProblem,
} from '../../src/storage/storage-config.js';

const DATA_DIRECTORY = '/var/lib/atelier';
const S3_MINIMUM = { S3_BUCKET: 'atelier-assets', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'secret/example+key' };

function problemsOf(environment: Record<string, string | undefined>): StorageConfigProblem[] {
  const result = parseStorageConfig(environment, DATA_DIRECTORY);
  if (result.success) throw new Error(`expected problems, got ${JSON.stringify(result.config)}`);
  return result.problems;
}

function configOf(environment: Record<string, string | undefined>) {
  const result = parseStorageConfig(environment, DATA_DIRECTORY);
  if (!result.success) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.config;
}

describe('parseStorageConfig', () => {
  it('without S3_BUCKET: local disk under ${DATA_DIR}/assets', () => {
    expect(configOf({})).toEqual({ kind: 'local', directory: path.join(DATA_DIRECTORY, 'assets') });
    expect(configOf({ PATH: '/usr/bin', HOME: '/root' })).toEqual({ kind: 'local', directory: '/var/lib/atelier/assets' });
  });

  it('treats empty and blank variables as unset, as the server config does', () => {
    expect(configOf({ S3_BUCKET: '', S3_REGION: '   ', S3_ENDPOINT: '' })).toMatchObject({ kind: 'local' });
  });

  it('with S3_BUCKET and credentials: S3 in us-east-1 on AWS, virtual-hosted style', () => {
    expect(configOf(S3_MINIMUM)).toEqual({
      kind: 's3',
      bucket: 'atelier-assets',
      endpoint: undefined,
      region: DEFAULT_S3_REGION,
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: 'secret/example+key',
      forcePathStyle: false,
      prefix: undefined,
    });
    expect(DEFAULT_S3_REGION).toBe('us-east-1');
  });

  it('reads every variable, trimming surrounding whitespace', () => {
    expect(
      configOf({
        S3_BUCKET: ' atelier-assets ',
        S3_ENDPOINT: 'https://s3.example.com',
        S3_REGION: 'eu-west-3',
        S3_ACCESS_KEY_ID: 'minio\n',
        S3_SECRET_ACCESS_KEY: 'minio-secret\n',
        S3_FORCE_PATH_STYLE: 'false',
        S3_PREFIX: 'production/',
      }),
    ).toEqual({
      kind: 's3',
      bucket: 'atelier-assets',
      endpoint: 'https://s3.example.com',
      region: 'eu-west-3',
      accessKeyId: 'minio',
      secretAccessKey: 'minio-secret',
      forcePathStyle: false,
      prefix: 'production/',
    });
  });

  it('uses path style by default with a custom endpoint (MinIO), unless told otherwise', () => {
    expect(configOf({ ...S3_MINIMUM, S3_ENDPOINT: 'http://minio:9000' })).toMatchObject({
      endpoint: 'http://minio:9000',
      forcePathStyle: true,
    });
    expect(configOf({ ...S3_MINIMUM, S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'false' })).toMatchObject({
      forcePathStyle: false,
    });
    expect(configOf({ ...S3_MINIMUM, S3_FORCE_PATH_STYLE: 'TRUE' })).toMatchObject({ forcePathStyle: true });
  });

  it('names S3_BUCKET when other S3 variables are set without it (instead of silently using local disk)', () => {
    expect(problemsOf({ S3_ENDPOINT: 'http://minio:9000', S3_ACCESS_KEY_ID: 'minio' })).toEqual([
      {
        variable: 'S3_BUCKET',
        message: 'must be set when S3_ENDPOINT, S3_ACCESS_KEY_ID are set (unset them to store assets on local disk)',
      },
    ]);
    expect(problemsOf({ S3_REGION: 'eu-west-1' })).toEqual([
      { variable: 'S3_BUCKET', message: expect.stringContaining('when S3_REGION is set') as string },
    ]);
  });

  it('requires both credentials with S3_BUCKET', () => {
    expect(problemsOf({ S3_BUCKET: 'atelier-assets' })).toEqual([
      { variable: 'S3_ACCESS_KEY_ID', message: 'must be set when S3_BUCKET is set' },
      { variable: 'S3_SECRET_ACCESS_KEY', message: 'must be set when S3_BUCKET is set' },
    ]);
    expect(problemsOf({ S3_BUCKET: 'atelier-assets', S3_ACCESS_KEY_ID: 'id' }).map((p) => p.variable)).toEqual([
      'S3_SECRET_ACCESS_KEY',
    ]);
    expect(problemsOf({ S3_BUCKET: 'atelier-assets', S3_SECRET_ACCESS_KEY: 'secret' }).map((p) => p.variable)).toEqual([
      'S3_ACCESS_KEY_ID',
    ]);
  });

  it.each([
    ['S3_BUCKET', 'ab'],
    ['S3_BUCKET', 'bucket/with/slash'],
    ['S3_BUCKET', 'has space'],
    ['S3_ENDPOINT', 'minio:9000'],
    ['S3_ENDPOINT', 'ftp://minio:9000'],
    ['S3_ENDPOINT', 'not a url'],
    ['S3_ENDPOINT', 'http://user:password@minio:9000'],
    ['S3_ENDPOINT', 'http://minio:9000/?x=1'],
    ['S3_REGION', 'eu west 1'],
    ['S3_REGION', 'eu_west_1'],
    ['S3_FORCE_PATH_STYLE', 'yes'],
    ['S3_FORCE_PATH_STYLE', '1'],
    ['S3_PREFIX', '../escape'],
    ['S3_PREFIX', 'a//b'],
    ['S3_PREFIX', 'p'.repeat(256)],
  ] as const)('names %s when it is %j', (variable, value) => {
    expect(problemsOf({ ...S3_MINIMUM, [variable]: value })).toEqual([
      { variable, message: expect.any(String) as string },
    ]);
  });

  it('reports every problem at once, each naming its variable', () => {
    const problems = problemsOf({
      S3_BUCKET: 'x',
      S3_ENDPOINT: 'minio',
      S3_REGION: 'no spaces',
      S3_FORCE_PATH_STYLE: 'maybe',
      S3_PREFIX: '..',
    });
    expect(problems.map((problem) => problem.variable)).toEqual([
      'S3_BUCKET',
      'S3_ENDPOINT',
      'S3_REGION',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'S3_FORCE_PATH_STYLE',
      'S3_PREFIX',
    ]);
    for (const problem of problems) expect(problem.message).not.toBe('');
  });

  it('never puts the secret into a problem message', () => {
    const secret = 'super-secret-value';
    const problems = problemsOf({ S3_BUCKET: 'x', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: secret });
    expect(JSON.stringify(problems)).not.toContain(secret);
  });
});

describe('createAssetStorage', () => {
  it('creates local disk storage rooted at the configured directory', async () => {
    const storage = createAssetStorage({ kind: 'local', directory: '/tmp/atelier-assets' });
    expect(storage).toBeInstanceOf(LocalDiskStorage);
    expect((storage as LocalDiskStorage).rootDirectory).toBe('/tmp/atelier-assets');
    await storage.close();
  });

  it('creates S3 storage for the configured bucket and prefix', async () => {
    const config = configOf({ ...S3_MINIMUM, S3_ENDPOINT: 'http://127.0.0.1:9', S3_PREFIX: 'tenant' });
    const storage = createAssetStorage(config);
    expect(storage).toBeInstanceOf(S3Storage);
    expect((storage as S3Storage).bucket).toBe('atelier-assets');
    expect((storage as S3Storage).keyPrefix).toBe('tenant/');
    await storage.close();
  });
});
