import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  defaultCatalog,
  estimate,
  listA,
  listB,
  modelsForOperation,
  operations,
  sizeRules,
  type Catalog,
  type EstimateError,
  type GenerationRequest,
} from '../src/index.js';
import { validRequest } from './arbitraries.js';

// Junk in, errors out: never an exception, and every error names its field, says why, and (for a
// field with a range or a set of values) what would have been accepted.

// By id, so a counterexample prints a name rather than a whole catalog.
const catalogs: Record<string, Catalog> = { 'list-a': listA, 'list-b': listB, default: defaultCatalog };

const junk = fc.oneof(
  fc.anything(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0.5, -1, 0.5, 1e12, Number.MAX_VALUE, -Number.MAX_SAFE_INTEGER, 1e-9),
  fc.integer({ min: -1e9, max: -1 }),
  fc.integer({ min: 100_000, max: 1e12 }),
  fc.double(),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(null, true, false, [], {}, '512', '1024px', 'NaN'),
  fc.bigInt(),
);

/** A value the field can never accept, whatever the model: wrong type, not finite, fractional, negative or huge. */
const surelyBadNumber = fc.oneof(
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -1, 0.5, 1e12, '512', true, [], {}, 'x'.repeat(10_000)),
  fc.integer({ min: -1e9, max: -1 }),
  fc.integer({ min: 20_000, max: 1e12 }),
  fc.double({ min: 1.0001, max: 4000, noInteger: true }),
);

interface Case {
  catalog: string;
  request: unknown;
  /** The field that must be reported, with `allowed`; undefined when any error will do. */
  field?: string;
  /** Set when the mutation may land on a valid value by chance (junk in a random field). */
  mayBeValid?: boolean;
}

const withCatalog = <T,>(build: (catalog: Catalog) => fc.Arbitrary<T>) =>
  fc.constantFrom(...Object.keys(catalogs)).chain((id) => build(catalogs[id] ?? listA).map((value) => ({ catalog: id, value })));

const cases: fc.Arbitrary<Case> = fc.oneof(
  // Whole requests of junk.
  withCatalog(() => junk).map(({ catalog, value }) => ({ catalog, request: value })),
  withCatalog(() => fc.dictionary(fc.constantFrom('operation', 'model', 'quality', 'width', 'height', 'steps', 'variations', 'mask', 'outpaint', 'x'), junk)).map(
    ({ catalog, value }) => ({ catalog, request: value }),
  ),
  // A valid request with one field replaced by junk that might, by chance, be valid.
  withCatalog((catalog) =>
    fc.tuple(validRequest(catalog), fc.constantFrom('operation', 'model', 'quality', 'width', 'height', 'steps', 'variations', 'mask', 'outpaint'), junk),
  ).map(({ catalog, value: [request, field, value] }) => ({ catalog, request: { ...request, [field]: value }, mayBeValid: true })),
  // Sizes and counts that are never valid.
  withCatalog((catalog) => fc.tuple(validRequest(catalog), fc.constantFrom('width', 'height', 'variations'), surelyBadNumber)).map(
    ({ catalog, value: [request, field, value] }) => ({ catalog, request: { ...request, [field]: value }, field }),
  ),
  // Steps out of the model's range, for models that take steps.
  withCatalog((catalog) => fc.tuple(validRequest(catalog), surelyBadNumber)).map(({ catalog, value: [request, steps] }) => ({
    catalog,
    request: { ...request, steps },
    field: 'steps',
  })),
  // A side off its multiple.
  withCatalog((catalog) => validRequest(catalog)).map(({ catalog, value: request }) => offMultiple(catalogs[catalog] ?? listA, catalog, request)),
  // An unknown model.
  withCatalog((catalog) => fc.tuple(validRequest(catalog), fc.string({ maxLength: 200 }))).map(({ catalog, value: [request, model] }) => ({
    catalog,
    request: { ...request, model: `unknown-${model}` },
    field: 'model',
  })),
  // An operation the model lacks.
  withCatalog((catalog) => fc.tuple(validRequest(catalog), fc.constantFrom(...operations))).map(({ catalog, value: [request, operation] }) => {
    const offered = modelsForOperation(catalogs[catalog] ?? listA, operation).some((model) => model.id === request.model);
    return { catalog, request: { ...request, operation, mask: undefined, outpaint: undefined }, field: lacksField(catalogs[catalog] ?? listA, operation), mayBeValid: offered };
  }),
  // Outpaint sides and mask coverage out of range.
  withCatalog((catalog) => fc.tuple(validRequest(catalog, ({ operation }) => operation === 'outpaint'), fc.constantFrom('left', 'right', 'top', 'bottom'), surelyBadNumber)).map(
    ({ catalog, value: [request, side, value] }) => ({ catalog, request: { ...request, outpaint: { ...request.outpaint, [side]: value } }, field: `outpaint.${side}` }),
  ),
  withCatalog((catalog) =>
    fc.tuple(
      validRequest(catalog, ({ operation }) => operation === 'inpaint'),
      fc.constantFrom(Number.NaN, -0.01, 1.01, 100, '0.5', null, Infinity),
    ),
  ).map(({ catalog, value: [request, coverage] }) => ({ catalog, request: { ...request, mask: { coverage } }, field: 'mask.coverage' })),
);

function offMultiple(catalog: Catalog, id: string, request: GenerationRequest): Case {
  const rules = sizeRules(catalog, request.model ?? '', request.operation);
  // A model that takes any size has no multiple to miss; a negative side is as wrong.
  if (rules === undefined || rules.multipleOf === 1) return { catalog: id, request: { ...request, width: -request.width }, field: 'width' };
  return { catalog: id, request: { ...request, width: request.width - 1 }, field: 'width' };
}

/** Where the fault lies when a model lacks an operation: the model, or the operation when no model offers it. */
function lacksField(catalog: Catalog, operation: string): string {
  return modelsForOperation(catalog, operation as (typeof operations)[number]).length === 0 ? 'operation' : 'model';
}

function expectWellFormed(error: EstimateError) {
  expect(typeof error.field).toBe('string');
  expect(error.code).toMatch(/^[a-z_]+$/);
  expect(error.message.length).toBeGreaterThan(0);
  // Input is quoted in short: a megabyte of junk never lands in a message or a log.
  expect(error.message.length).toBeLessThan(300);
  if (Array.isArray(error.allowed)) for (const value of error.allowed) expect(typeof value).toBe('string');
}

describe('fuzz', () => {
  it('answers 10,000 junk requests with field errors, never an exception', () => {
    let rejected = 0;
    fc.assert(
      fc.property(cases, ({ catalog, request, field, mayBeValid }) => {
        const result = estimate(request, catalogs[catalog] ?? listA);
        if (result.ok) {
          expect(mayBeValid).toBe(true);
          return;
        }
        rejected += 1;
        expect(result.errors.length).toBeGreaterThan(0);
        for (const error of result.errors) expectWellFormed(error);
        if (field !== undefined && !mayBeValid) {
          const named = result.errors.find((error) => error.field === field);
          expect(named, `${field} in ${JSON.stringify(result.errors)}`).toBeDefined();
          if (named?.code !== 'not_supported') expect(named?.allowed).toBeDefined();
        }
      }),
      { numRuns: 10_000 },
    );
    expect(rejected).toBeGreaterThan(9_000);
  });
});
