import type pg from 'pg';
import { decode } from './codec.js';
import { query } from './database.js';
import type { IdConflict } from './types.js';
import { WritePlan, type OperationRow } from './write-plan.js';
import { applyWritePlan } from './write-statement.js';

export interface StoredOperation {
  kind: string;
  fingerprint: string;
  result: unknown;
}

/**
 * The stored first result of an operation id, if any. Read after the pool lock is held, so a
 * concurrent first attempt on the same pool has either committed (and is seen) or not started.
 */
export async function readOperation(client: pg.ClientBase, operationId: string): Promise<StoredOperation | null> {
  const rows = await query<{ kind: string; request_fingerprint: string; result: unknown }>(
    client,
    'select kind, request_fingerprint, result from ledger.operations where operation_id = $1',
    [operationId],
    'ledger_read_operation',
  );
  const row = rows[0];
  return row === undefined ? null : { kind: row.kind, fingerprint: row.request_fingerprint, result: decode(row.result) };
}

/** The first result again (same id, same parameters) or `id_conflict` (same id, other parameters). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the stored result's type
export function replayOperation<Result extends { replayed: boolean }>(
  stored: StoredOperation,
  kind: string,
  fingerprint: string,
  operationId: string,
  balanceVersion: bigint | null,
): Result | IdConflict {
  if (stored.kind !== kind || stored.fingerprint !== fingerprint) {
    return { ok: false, code: 'id_conflict', figures: { id: operationId }, balanceVersion, replayed: false };
  }
  return { ...(stored.result as Result), replayed: true };
}

/** Stores an operation's result, so that a retry with its id returns it (in the caller's transaction). */
export async function recordOperation(
  client: pg.ClientBase,
  operationId: string,
  kind: string,
  orgId: string,
  fingerprint: string,
  result: unknown,
  now: Date,
): Promise<void> {
  const plan = new WritePlan();
  plan.operations.push({ operationId, kind, orgId, requestFingerprint: fingerprint, result, createdAt: now });
  await applyWritePlan(client, plan);
}

/** The operation row of a result, to write in the same plan as the change it records. */
export function operationRow(
  operationId: string,
  kind: string,
  orgId: string | null,
  fingerprint: string,
  result: unknown,
  now: Date,
): OperationRow {
  return { operationId, kind, orgId, requestFingerprint: fingerprint, result, createdAt: now };
}
