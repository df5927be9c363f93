/**
 * A broken assertion is a programmer error: the caller passed something the contract forbids
 * (a negative amount, a malformed id) or the ledger found its own state inconsistent. It is thrown,
 * never returned; expected outcomes (`insufficient_credits`, ...) are typed results instead.
 */
export class LedgerAssertionError extends Error {
  override readonly name = 'LedgerAssertionError';
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new LedgerAssertionError(message);
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function assertUuid(value: unknown, name: string): asserts value is string {
  assert(typeof value === 'string' && uuidPattern.test(value), `${name} must be a UUID string, got ${describe(value)}`);
}

export function assertOptionalUuid(value: unknown, name: string): asserts value is string | undefined | null {
  if (value !== undefined && value !== null) {
    assertUuid(value, name);
  }
}

export function assertText(value: unknown, name: string, maxLength: number): asserts value is string {
  assert(typeof value === 'string', `${name} must be a string, got ${describe(value)}`);
  assert(value.length <= maxLength, `${name} is longer than ${String(maxLength)} characters`);
}

export function assertDate(value: unknown, name: string): asserts value is Date {
  assert(value instanceof Date && !Number.isNaN(value.getTime()), `${name} must be a valid Date, got ${describe(value)}`);
}

export function assertCredits(value: unknown, name: string, minimum: bigint, maximum: bigint): asserts value is bigint {
  assert(typeof value === 'bigint', `${name} must be a bigint, got ${describe(value)}`);
  assert(value >= minimum && value <= maximum, `${name} must be within [${minimum.toString()}, ${maximum.toString()}], got ${value.toString()}`);
}

export function assertInteger(value: unknown, name: string, minimum: number, maximum: number): asserts value is number {
  assert(
    typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum && value <= maximum,
    `${name} must be an integer within [${String(minimum)}, ${String(maximum)}], got ${describe(value)}`,
  );
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') {
    return `${value.toString()}n`;
  }
  if (value instanceof Date) {
    return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  }
  try {
    // undefined, functions and symbols have no JSON.
    const text = JSON.stringify(value) as string | undefined;
    return text ?? typeof value;
  } catch {
    return typeof value;
  }
}
