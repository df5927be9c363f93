import type { CatalogModel, SizeRules } from './catalog.js';
import type { CatalogIndex, IndexedModel, IndexedOffer } from './catalog-index.js';
import { checkWholeNumber, isError } from './check-number.js';
import type { AllowedRange, EstimateError } from './errors.js';
import { isAbsent, isRecord, quote, readProperty, unreadable } from './read-input.js';
import { operationLabel, operations, type Operation } from './operation.js';
import { outpaintSides, type OutpaintSide } from './request.js';
import { resolveModel } from './resolve-model.js';
import { formatMegapixels, megapixelsToPixels, roundMegapixels } from './size.js';

/** A request every field of which has been checked against the catalog, with defaults filled in. */
export interface ResolvedRequest {
  readonly operation: Operation;
  readonly model: IndexedModel;
  readonly offer: IndexedOffer;
  readonly width: number;
  readonly height: number;
  /** Undefined for models without a step count. */
  readonly steps: number | undefined;
  readonly variations: number;
  readonly maskCoveragePercent: number | undefined;
  readonly expansion: Readonly<Record<OutpaintSide, number>> | undefined;
}

export type RequestValidation = { readonly ok: true; readonly request: ResolvedRequest } | { readonly ok: false; readonly errors: EstimateError[] };

const requestFields = ['operation', 'model', 'quality', 'width', 'height', 'steps', 'variations', 'mask', 'outpaint'] as const;

type RequestFields = Record<(typeof requestFields)[number], unknown>;

/** Checks raw input against a catalog, reporting every fault it can find in one pass. */
export function validateRequest(input: unknown, index: CatalogIndex): RequestValidation {
  if (!isRecord(input)) {
    return failed([{ field: 'request', code: 'invalid_type', message: `A request is an object, not ${quote(input)}` }]);
  }
  const fields = readFields(input);
  if (isError(fields)) return failed([fields]);
  const errors: EstimateError[] = [];
  const variations = collect(checkVariations(fields.variations, index), errors);
  const operation = collect(checkOperation(fields.operation, index), errors);
  if (operation === undefined) return failed(errors);
  const resolved = collect(resolveModel(index, operation, fields.model, fields.quality), errors);
  if (resolved === undefined) return failed(errors);
  const size = checkSize(fields.width, fields.height, resolved.offer, resolved.model.model, errors);
  const steps = collect(checkSteps(fields.steps, resolved.model.model), errors);
  const maskCoveragePercent = collect(checkMask(fields.mask, operation), errors);
  const expansion = collect(checkExpansion(fields.outpaint, operation, size, resolved.offer.size), errors);
  if (errors.length > 0 || variations === undefined || size === undefined) return failed(errors);
  return {
    ok: true,
    request: { operation, ...resolved, ...size, steps, variations, maskCoveragePercent, expansion },
  };
}

function failed(errors: EstimateError[]): RequestValidation {
  return { ok: false, errors };
}

/** Moves an error into the list; hands back a value. */
function collect<T>(outcome: T | EstimateError, errors: EstimateError[]): T | undefined {
  if (isError(outcome)) {
    errors.push(outcome);
    return undefined;
  }
  return outcome;
}

function readFields(input: Record<string, unknown>): RequestFields | EstimateError {
  const fields: Partial<RequestFields> = {};
  for (const key of requestFields) {
    const read = readProperty(input, key);
    if (read === undefined) return unreadable(key);
    fields[key] = read.value;
  }
  return fields as RequestFields;
}

function checkVariations(value: unknown, index: CatalogIndex): number | EstimateError {
  if (isAbsent(value)) return 1;
  return checkWholeNumber(value, 'variations', { min: 1, max: index.catalog.maximumVariations, unit: 'images' });
}

function checkOperation(value: unknown, index: CatalogIndex): Operation | EstimateError {
  const offered = operations.filter((operation) => index.modelIdsByOperation.has(operation));
  if (isAbsent(value)) return { field: 'operation', code: 'required', message: 'operation is required', allowed: offered };
  const operation = offered.find((candidate) => candidate === value);
  if (operation !== undefined) return operation;
  const known = operations.find((candidate) => candidate === value);
  if (known !== undefined) {
    return { field: 'operation', code: 'unsupported_operation', message: `This catalog does not offer ${operationLabel(known)}`, allowed: offered };
  }
  return { field: 'operation', code: 'unknown_operation', message: `Unknown operation ${quote(value)}`, allowed: offered };
}

function sizeAllowed(rules: SizeRules): AllowedRange {
  return { min: rules.minimumSide, max: rules.maximumSide, multipleOf: rules.multipleOf, maxMegapixels: rules.maximumMegapixels };
}

function sideRule(rules: SizeRules) {
  return { min: rules.minimumSide, max: rules.maximumSide, unit: 'px', ...(rules.multipleOf > 1 ? { multipleOf: rules.multipleOf } : {}) };
}

function checkSize(width: unknown, height: unknown, offer: IndexedOffer, model: CatalogModel, errors: EstimateError[]) {
  const checkedWidth = collect(checkWholeNumber(width, 'width', sideRule(offer.size)), errors);
  const checkedHeight = collect(checkWholeNumber(height, 'height', sideRule(offer.size)), errors);
  if (checkedWidth === undefined || checkedHeight === undefined) return undefined;
  if (checkedWidth * checkedHeight > offer.maximumPixels) {
    errors.push({
      field: 'width',
      code: 'too_many_megapixels',
      message: `${checkedWidth}×${checkedHeight} = ${formatMegapixels(checkedWidth * checkedHeight)} MP is more than the ${roundMegapixels(offer.size.maximumMegapixels)} MP ${model.name} allows`,
      allowed: sizeAllowed(offer.size),
    });
    return undefined;
  }
  return { width: checkedWidth, height: checkedHeight };
}

function checkSteps(value: unknown, model: CatalogModel): number | undefined | EstimateError {
  const range = model.steps;
  if (range === undefined) {
    if (isAbsent(value)) return undefined;
    return { field: 'steps', code: 'not_supported', message: `${model.name} takes no step count` };
  }
  if (isAbsent(value)) return range.default;
  return checkWholeNumber(value, 'steps', { min: range.minimum, max: range.maximum, unit: 'steps' });
}

function checkMask(mask: unknown, operation: Operation): number | undefined | EstimateError {
  if (operation !== 'inpaint') {
    if (isAbsent(mask)) return undefined;
    return { field: 'mask', code: 'not_supported', message: `A mask belongs to inpaint, not ${operationLabel(operation)}` };
  }
  const allowed = { min: 0, max: 1 };
  if (isAbsent(mask)) return { field: 'mask', code: 'required', message: 'Inpaint needs mask.coverage (0 to 1)', allowed };
  if (!isRecord(mask)) return { field: 'mask', code: 'invalid_type', message: `mask must be an object, not ${quote(mask)}`, allowed };
  const read = readProperty(mask, 'coverage');
  if (read === undefined) return unreadable('mask.coverage');
  const coverage = read.value;
  if (isAbsent(coverage)) return { field: 'mask.coverage', code: 'required', message: 'mask.coverage is required (0 to 1)', allowed };
  if (typeof coverage !== 'number') {
    return { field: 'mask.coverage', code: 'invalid_type', message: `mask.coverage must be a number from 0 to 1, not ${quote(coverage)}`, allowed };
  }
  if (!Number.isFinite(coverage)) return { field: 'mask.coverage', code: 'not_finite', message: 'mask.coverage must be a finite number', allowed };
  if (coverage < 0 || coverage > 1) {
    return { field: 'mask.coverage', code: 'out_of_range', message: `mask.coverage must be between 0 and 1, not ${coverage}`, allowed };
  }
  // Whole percent: a mask drawn in the browser and its copy on the server may differ in the last bits.
  return Math.round(coverage * 100);
}

function checkExpansion(
  outpaint: unknown,
  operation: Operation,
  source: { width: number; height: number } | undefined,
  rules: SizeRules,
): Record<OutpaintSide, number> | undefined | EstimateError {
  if (operation !== 'outpaint') {
    if (isAbsent(outpaint)) return undefined;
    return { field: 'outpaint', code: 'not_supported', message: `An expansion belongs to outpaint, not ${operationLabel(operation)}` };
  }
  const allowed = sizeAllowed(rules);
  if (isAbsent(outpaint)) return { field: 'outpaint', code: 'required', message: 'Outpaint needs an expansion (outpaint.left, .right, .top, .bottom)', allowed };
  if (!isRecord(outpaint)) return { field: 'outpaint', code: 'invalid_type', message: `outpaint must be an object, not ${quote(outpaint)}`, allowed };
  const expansion = { left: 0, right: 0, top: 0, bottom: 0 };
  const sideLimit = { ...sideRule(rules), min: 0 };
  for (const side of outpaintSides) {
    const read = readProperty(outpaint, side);
    if (read === undefined) return unreadable(`outpaint.${side}`);
    if (isAbsent(read.value)) continue;
    const checked = checkWholeNumber(read.value, `outpaint.${side}`, sideLimit);
    if (isError(checked)) return checked;
    expansion[side] = checked;
  }
  if (expansion.left + expansion.right + expansion.top + expansion.bottom === 0) {
    return { field: 'outpaint', code: 'required', message: 'Expand at least one side', allowed };
  }
  if (source === undefined) return expansion;
  const width = source.width + expansion.left + expansion.right;
  const height = source.height + expansion.top + expansion.bottom;
  if (Math.max(width, height) > rules.maximumSide || width * height > megapixelsToPixels(rules.maximumMegapixels)) {
    return {
      field: 'outpaint',
      code: 'out_of_range',
      message: `The expanded canvas ${width}×${height} is larger than ${rules.maximumSide} px a side or ${roundMegapixels(rules.maximumMegapixels)} MP`,
      allowed,
    };
  }
  return expansion;
}
