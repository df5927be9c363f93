import pg from 'pg';
import { assert } from './assert.js';
import { ledgerLimits } from './limits.js';

/** Anything that runs a query: a pool, a checked-out client, a plain client. */
export type Queryable = pg.Pool | pg.ClientBase;

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const INT8_ARRAY_OID = 1016;

function parseBigInt(value: string): bigint {
  return BigInt(value);
}

function parseBigIntArray(value: string): bigint[] {
  // Our int8 arrays are one-dimensional and never hold NULL.
  if (value === '{}') {
    return [];
  }
  return value.slice(1, -1).split(',').map(parseBigInt);
}

/**
 * Per-query type parsers: int8 and numeric become bigint. Set on each query, never globally, so
 * code sharing the pg module keeps its own parsing.
 */
const lookupTypeParser: typeof pg.types.getTypeParser = (oid, format) => {
  const typeId: number = oid;
  if (typeId === INT8_OID || typeId === NUMERIC_OID) {
    return parseBigInt;
  }
  if (typeId === INT8_ARRAY_OID) {
    return parseBigIntArray;
  }
  return pg.types.getTypeParser(oid, format) as unknown;
};

export const ledgerTypes: pg.CustomTypesConfig = { getTypeParser: lookupTypeParser };

export async function query<Row extends object>(
  client: Queryable,
  text: string,
  values: readonly unknown[] = [],
  name?: string,
): Promise<Row[]> {
  const result = await client.query<Row>({ text, values: values as unknown[], types: ledgerTypes, name });
  return result.rows;
}

export async function queryOne<Row extends object>(
  client: Queryable,
  text: string,
  values: readonly unknown[] = [],
  name?: string,
): Promise<Row> {
  const rows = await query<Row>(client, text, values, name);
  const row = rows[0];
  assert(rows.length === 1 && row !== undefined, `expected one row, got ${String(rows.length)}`);
  return row;
}

/** Postgres error codes a transaction retries: the work is redone from a fresh read. */
const retryableCodes = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '23505', // unique_violation: two transactions raced to create the same id; the retry sees the winner
]);

export function isRetryable(error: unknown): boolean {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' && retryableCodes.has(error.code);
}

/** Thrown when a transaction still fails after `maxTransactionAttempts`. */
export class LedgerRetryLimitError extends Error {
  override readonly name = 'LedgerRetryLimitError';
}

const beginStatement =
  `begin isolation level read committed; ` +
  `set local lock_timeout = ${String(ledgerLimits.lockTimeoutMs)}; ` +
  `set local statement_timeout = ${String(ledgerLimits.statementTimeoutMs)}`;

export interface TransactionHooks {
  /** Runs after the work, before COMMIT: tests use it to kill a process mid-transaction. */
  beforeCommit?: (label: string) => Promise<void>;
}

/**
 * Runs `work` in its own READ COMMITTED transaction on a client of `pool`, retrying a bounded
 * number of times on serialization failures, deadlocks and id races. Every ledger transaction
 * takes the pool rows it touches first, in ascending org id order, so deadlocks are not expected;
 * the retry is the safety net.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  label: string,
  work: (client: pg.PoolClient) => Promise<T>,
  hooks: TransactionHooks = {},
): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= ledgerLimits.maxTransactionAttempts; attempt += 1) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(beginStatement);
      const result = await work(client);
      if (hooks.beforeCommit !== undefined) {
        await hooks.beforeCommit(label);
      }
      await client.query('commit');
      return result;
    } catch (error) {
      lastError = error;
      try {
        await client.query('rollback');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      if (!isRetryable(error)) {
        throw error;
      }
    } finally {
      client.release(broken);
    }
    await sleep(backoffMs(attempt));
  }
  throw new LedgerRetryLimitError(
    `${label}: gave up after ${String(ledgerLimits.maxTransactionAttempts)} attempts`,
    { cause: lastError },
  );
}

function backoffMs(attempt: number): number {
  return Math.min(50, 2 ** attempt) * (0.5 + Math.random());
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/* ---------- reading JSON built by Postgres (json_build_object with int8 as text) ---------- */

export type JsonRecord = Record<string, unknown>;

export function asRecords(value: unknown): JsonRecord[] {
  if (value === null || value === undefined) {
    return [];
  }
  assert(Array.isArray(value), 'expected a JSON array');
  return value as JsonRecord[];
}

export function field(record: JsonRecord, key: string): unknown {
  assert(key in record, `missing field ${key}`);
  return record[key];
}

export function stringField(record: JsonRecord, key: string): string {
  const value = field(record, key);
  assert(typeof value === 'string', `field ${key} is not a string`);
  return value;
}

export function nullableStringField(record: JsonRecord, key: string): string | null {
  const value = field(record, key);
  assert(value === null || typeof value === 'string', `field ${key} is not a string or null`);
  return value;
}

export function bigIntField(record: JsonRecord, key: string): bigint {
  // int8 must arrive as text (`x::text`): a JSON number would lose precision above 2^53.
  const value = field(record, key);
  assert(typeof value === 'string', `field ${key} is not an integer as text`);
  return BigInt(value);
}

export function nullableBigIntField(record: JsonRecord, key: string): bigint | null {
  const value = field(record, key);
  return value === null ? null : bigIntField(record, key);
}

export function numberField(record: JsonRecord, key: string): number {
  const value = field(record, key);
  assert(typeof value === 'number', `field ${key} is not a number`);
  return value;
}

export function dateField(record: JsonRecord, key: string): Date {
  const value = field(record, key);
  assert(typeof value === 'string', `field ${key} is not a timestamp`);
  const date = new Date(value);
  assert(!Number.isNaN(date.getTime()), `field ${key} is not a timestamp: ${value}`);
  return date;
}

export function nullableDateField(record: JsonRecord, key: string): Date | null {
  return field(record, key) === null ? null : dateField(record, key);
}

export function bigIntArrayField(record: JsonRecord, key: string): bigint[] {
  const value = field(record, key);
  assert(Array.isArray(value), `field ${key} is not an array`);
  return value.map((item: unknown) => {
    assert(typeof item === 'string', `field ${key} holds a non-integer`);
    return BigInt(item);
  });
}
