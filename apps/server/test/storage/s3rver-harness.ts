import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

/** s3rver's one built-in account; it checks the access key id but does not verify V4 signatures. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
export const S3RVER_REGION = 'us-east-1';

export interface RunningS3rver {
  endpoint: string;
  bucket: string;
  directory: string;
  /** A plain SDK client, to look at the bucket without going through the code under test. */
  client: S3Client;
  /** Every object key in `bucket` (or another bucket). */
  listKeys(bucket?: string): Promise<string[]>;
  close(): Promise<void>;
}

/** An s3rver on 127.0.0.1, on a port the OS picks, storing into a fresh temporary directory. */
export async function startS3rver(bucket = 'atelier-test-assets'): Promise<RunningS3rver> {
  const directory = await mkdtemp(path.join(tmpdir(), 'atelier-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${String(address.port)}`;
  const client = new S3Client({
    endpoint,
    region: S3RVER_REGION,
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
  });
  return {
    endpoint,
    bucket,
    directory,
    client,
    async listKeys(ofBucket = bucket) {
      const keys: string[] = [];
      let continuationToken: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: ofBucket, ContinuationToken: continuationToken }),
        );
        for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
        continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (continuationToken !== undefined);
      return keys.sort();
    },
    async close() {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
