import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../tools/testing/database.js';
import { freePort } from '../../../../tools/testing/free-port.js';
import { isDatabaseUnavailable } from './database-errors.js';

/** The error a real connection or query gets. */
async function errorOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('isDatabaseUnavailable (real Postgres errors)', () => {
  let database: TestDatabase | undefined;
  const role = `no_slots_${randomBytes(4).toString('hex')}`;
  let admin: pg.Client | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // A role allowed no connection at all: connecting as it fails as "too many clients" does (53300).
    await admin.query(`create role ${role} login connection limit 0`);
  });

  afterAll(async () => {
    await admin?.query(`drop role if exists ${role}`);
    await admin?.end();
    await database?.drop();
  });

  it('is true when no connection slot is left (53300)', async () => {
    const url = new URL(database?.url ?? '');
    url.username = role;
    const client = new pg.Client({ connectionString: url.toString() });
    const error = await errorOf(() => client.connect());
    expect((error as { code?: string }).code).toBe('53300');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('is true when the server refuses the connection, and when a connection is terminated by the server', async () => {
    const closedPort = await freePort();
    const refused = await errorOf(() => new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${String(closedPort)}/postgres` }).connect());
    expect(isDatabaseUnavailable(refused)).toBe(true);
    const victim = new pg.Client({ connectionString: database?.url });
    await victim.connect();
    victim.on('error', () => undefined);
    const pid = (await victim.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
    await admin?.query('select pg_terminate_backend($1)', [pid]);
    const terminated = await errorOf(() => victim.query('select 1'));
    expect(isDatabaseUnavailable(terminated)).toBe(true);
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: terminated }))).toBe(true);
  });

  it('is false for a bad query, a constraint violation or a plain bug', async () => {
    expect(isDatabaseUnavailable(await errorOf(() => admin?.query('selec 1') ?? Promise.resolve()))).toBe(false);
    expect(isDatabaseUnavailable(await errorOf(() => admin?.query('select 1/0') ?? Promise.resolve()))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
