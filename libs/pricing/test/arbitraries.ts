import fc from 'fast-check';
import {
  modelsForOperation,
  operationsOffered,
  sizeRules,
  stepRange,
  type Catalog,
  type GenerationRequest,
  type Operation,
  type SizeRules,
  type Usage,
} from '../src/index.js';

/** Every (model, operation) pair a catalog offers. */
export function offers(catalog: Catalog): { model: string; operation: Operation }[] {
  return operationsOffered(catalog).flatMap((operation) => modelsForOperation(catalog, operation).map((model) => ({ model: model.id, operation })));
}

/** Usage that has spent every free allowance in the catalog, so every image is paid. */
export function exhaustedUsage(catalog: Catalog): Usage {
  const ids = catalog.models.flatMap((model) => Object.values(model.operations).flatMap((offer) => (offer.pricing.freeAllowance ? [offer.pricing.freeAllowance.id] : [])));
  return { freeUnitsUsed: Object.fromEntries(ids.map((id) => [id, 1_000_000])) };
}

export interface Size {
  width: number;
  height: number;
}

function sideBounds(rules: SizeRules) {
  const low = Math.ceil(rules.minimumSide / rules.multipleOf);
  const high = Math.floor(rules.maximumSide / rules.multipleOf);
  return { low, high };
}

const maximumPixels = (rules: SizeRules) => Math.round(rules.maximumMegapixels * 1_000_000);

/** A size the rules accept. */
export function validSize(rules: SizeRules): fc.Arbitrary<Size> {
  const { low, high } = sideBounds(rules);
  return fc
    .integer({ min: low, max: high })
    .chain((widthUnits) => {
      const width = widthUnits * rules.multipleOf;
      const tallest = Math.min(high, Math.floor(maximumPixels(rules) / width / rules.multipleOf));
      return fc.integer({ min: low, max: Math.max(low, tallest) }).map((heightUnits) => ({ width, height: heightUnits * rules.multipleOf }));
    })
    .filter((size) => size.width * size.height <= maximumPixels(rules));
}

/** A source and an expansion whose final canvas the rules accept. */
export function validOutpaint(rules: SizeRules) {
  const unit = rules.multipleOf;
  return validSize(rules)
    .filter((final) => final.width > sideBounds(rules).low * unit || final.height > sideBounds(rules).low * unit)
    .chain((final) =>
      fc
        .record({
          width: fc.integer({ min: sideBounds(rules).low, max: final.width / unit }).map((units) => units * unit),
          height: fc.integer({ min: sideBounds(rules).low, max: final.height / unit }).map((units) => units * unit),
          leftShare: fc.double({ min: 0, max: 1, noNaN: true }),
          topShare: fc.double({ min: 0, max: 1, noNaN: true }),
        })
        .filter((source) => source.width < final.width || source.height < final.height)
        .map((source) => {
          const left = Math.floor(((final.width - source.width) / unit) * source.leftShare) * unit;
          const top = Math.floor(((final.height - source.height) / unit) * source.topShare) * unit;
          return {
            width: source.width,
            height: source.height,
            outpaint: { left, right: final.width - source.width - left, top, bottom: final.height - source.height - top },
          };
        }),
    );
}

/** A request the catalog accepts, for any model and operation it offers. */
export function validRequest(catalog: Catalog, only?: (offer: { model: string; operation: Operation }) => boolean): fc.Arbitrary<GenerationRequest> {
  const pairs = offers(catalog).filter((pair) => only?.(pair) ?? true);
  return fc.constantFrom(...pairs).chain(({ model, operation }) => {
    const rules = sizeRules(catalog, model, operation);
    if (rules === undefined) throw new Error(`no size rules for ${model} ${operation}`);
    const range = stepRange(catalog, model);
    const steps = range === undefined ? fc.constant(undefined) : fc.integer({ min: range.minimum, max: range.maximum });
    const size = operation === 'outpaint' ? validOutpaint(rules) : validSize(rules);
    return fc
      .record({
        size,
        steps,
        variations: fc.integer({ min: 1, max: catalog.maximumVariations }),
        coverage: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map(({ size: chosen, steps: chosenSteps, variations, coverage }) => ({
        operation,
        model,
        ...chosen,
        variations,
        ...(chosenSteps === undefined ? {} : { steps: chosenSteps }),
        ...(operation === 'inpaint' ? { mask: { coverage } } : {}),
      }));
  });
}
