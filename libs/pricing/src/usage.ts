import type { FreeAllowance } from './catalog.js';
import { checkWholeNumber } from './check-number.js';
import type { EstimateError } from './errors.js';
import { isAbsent, isRecord, quote, readProperty, unreadable } from './read-input.js';

/**
 * Free units already spent on an allowance this period, read from untrusted `usage` (whose shape
 * is checked even when the model has no allowance). Absent usage means none spent: the server,
 * which prices for real, always passes it.
 */
export function freeUnitsUsed(usage: unknown, allowance: FreeAllowance | undefined): number | EstimateError {
  if (isAbsent(usage)) return 0;
  if (!isRecord(usage)) return { field: 'usage', code: 'invalid_type', message: `usage must be an object, not ${quote(usage)}` };
  const spent = readProperty(usage, 'freeUnitsUsed');
  if (spent === undefined) return unreadable('usage.freeUnitsUsed');
  if (isAbsent(spent.value)) return 0;
  if (!isRecord(spent.value)) {
    return { field: 'usage.freeUnitsUsed', code: 'invalid_type', message: `usage.freeUnitsUsed must be an object, not ${quote(spent.value)}` };
  }
  if (allowance === undefined) return 0;
  const field = `usage.freeUnitsUsed.${allowance.id}`;
  if (!Object.hasOwn(spent.value, allowance.id)) return 0;
  const units = readProperty(spent.value, allowance.id);
  if (units === undefined) return unreadable(field);
  if (isAbsent(units.value)) return 0;
  return checkWholeNumber(units.value, field, { min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'units' });
}
