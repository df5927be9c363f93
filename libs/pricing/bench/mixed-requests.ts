import {
  defaultCatalog,
  listA,
  listB,
  modelsForOperation,
  operationsOffered,
  sizePresets,
  sizeRules,
  stepRange,
  type Catalog,
  type GenerationRequest,
} from '../src/index.js';

export interface BenchRequest {
  readonly catalog: Catalog;
  readonly request: unknown;
  readonly usage?: unknown;
}

/**
 * A fixed mix of what the web app and the server price: every (model, operation) pair of the
 * three shipped catalogs at several sizes, step counts and image counts, one request in eight
 * with a free-tier usage, and one in ten invalid (a size off its multiple, an unknown model, junk).
 */
export function mixedRequests(): BenchRequest[] {
  const valid: BenchRequest[] = [];
  for (const catalog of [defaultCatalog, listA, listB]) {
    for (const operation of operationsOffered(catalog)) {
      for (const { id: model } of modelsForOperation(catalog, operation)) {
        for (const size of sizesFor(catalog, model, operation)) {
          const range = stepRange(catalog, model);
          for (const steps of range === undefined ? [undefined] : [range.minimum, range.default, range.maximum]) {
            for (const variations of [1, 4]) valid.push({ catalog, request: requestFor(operation, model, size, steps, variations) });
          }
        }
      }
    }
  }
  const mixed: BenchRequest[] = [];
  valid.forEach((entry, index) => {
    mixed.push(index % 8 === 0 ? { ...entry, usage: { freeUnitsUsed: { 'huggingface-flux': index % 60, 'gemini-imagen': index % 12 } } } : entry);
    if (index % 9 === 0) mixed.push({ catalog: entry.catalog, request: invalidRequest(entry.request as GenerationRequest, index) });
  });
  return mixed;
}

function sizesFor(catalog: Catalog, model: string, operation: GenerationRequest['operation']) {
  const presets = sizePresets(catalog, model, operation);
  if (presets.length > 0) return presets.slice(0, 4);
  const rules = sizeRules(catalog, model, operation);
  const side = rules === undefined ? 512 : Math.max(rules.minimumSide, Math.min(1024, rules.maximumSide));
  return [
    { width: side, height: side },
    { width: side, height: Math.max(rules?.minimumSide ?? 64, side / 2) },
  ];
}

function requestFor(operation: GenerationRequest['operation'], model: string, size: { width: number; height: number }, steps: number | undefined, variations: number): GenerationRequest {
  const base = { operation, model, ...size, variations, ...(steps === undefined ? {} : { steps }) };
  if (operation === 'inpaint') return { ...base, mask: { coverage: 0.35 } };
  if (operation === 'outpaint') return { ...base, width: 512, height: 512, outpaint: { left: 256, right: 256 } };
  return base;
}

function invalidRequest(request: GenerationRequest, index: number): unknown {
  switch (index % 3) {
    case 0:
      return { ...request, width: request.width + 1 };
    case 1:
      return { ...request, model: 'no-such-model' };
    default:
      return { ...request, width: '1024', variations: Number.NaN };
  }
}
