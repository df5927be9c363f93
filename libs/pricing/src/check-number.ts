import type { AllowedRange, EstimateError } from './errors.js';
import { describeType } from './read-input.js';

export interface WholeNumberRule {
  readonly min: number;
  readonly max: number;
  readonly multipleOf?: number;
  /** Word after the number in messages: "px", "steps". */
  readonly unit?: string;
}

/**
 * Checks that a value is a whole number within a range (and on a multiple), returning it or an
 * error whose `allowed` repeats the rule, so the UI can clamp or snap without a second source.
 */
export function checkWholeNumber(value: unknown, field: string, rule: WholeNumberRule): number | EstimateError {
  const allowed: AllowedRange = rule.multipleOf === undefined ? { min: rule.min, max: rule.max } : { min: rule.min, max: rule.max, multipleOf: rule.multipleOf };
  const unit = rule.unit === undefined ? '' : ` ${rule.unit}`;
  const range = `${rule.min}–${rule.max}${unit}`;
  if (value === undefined || value === null) return { field, code: 'required', message: `${field} is required (${range})`, allowed };
  if (typeof value !== 'number') {
    return { field, code: 'invalid_type', message: `${field} must be a number (${range}), not ${describeType(value)}`, allowed };
  }
  if (!Number.isFinite(value)) return { field, code: 'not_finite', message: `${field} must be a finite number (${range})`, allowed };
  if (!Number.isInteger(value)) return { field, code: 'not_integer', message: `${field} must be a whole number (${range})`, allowed };
  if (value < rule.min || value > rule.max) {
    return { field, code: 'out_of_range', message: `${field} must be between ${range}, not ${value}`, allowed };
  }
  const multiple = rule.multipleOf;
  if (multiple !== undefined && value % multiple !== 0) {
    const nearest = [Math.floor(value / multiple) * multiple, Math.ceil(value / multiple) * multiple].filter(
      (candidate) => candidate >= rule.min && candidate <= rule.max,
    );
    const hint = nearest.length === 0 ? '' : ` (nearest: ${nearest.join(' or ')})`;
    return { field, code: 'not_multiple', message: `${field} must be a multiple of ${multiple}${hint}`, allowed };
  }
  return value;
}

export function isError(value: unknown): value is EstimateError {
  return typeof value === 'object' && value !== null && 'code' in value;
}
