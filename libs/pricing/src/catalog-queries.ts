import type { Catalog, ImageSize, SizeRules, StepRange } from './catalog.js';
import type { CatalogIndex } from './catalog-index.js';
import { operations, type Operation, type QualityLevel } from './operation.js';
import { catalogIndexFor } from './parse-catalog.js';
import { qualityLevelsFor } from './resolve-model.js';
import { fitsSizeRules } from './size.js';
import { unitWord } from './unit-price.js';

// What the UI asks a catalog while the user picks settings. An invalid catalog answers with
// nothing; `estimate` is where its fault is reported.

export interface ModelSummary {
  readonly id: string;
  readonly name: string;
  readonly provider: string;
}

function indexOf(catalog: Catalog): CatalogIndex | undefined {
  const index = catalogIndexFor(catalog);
  return 'catalog' in index ? index : undefined;
}

/** The operations at least one model of the catalog offers, in a fixed order. */
export function operationsOffered(catalog: Catalog): Operation[] {
  const index = indexOf(catalog);
  return index === undefined ? [] : operations.filter((operation) => index.modelIdsByOperation.has(operation));
}

/** The models offering an operation, in catalog order (cheapest first in the shipped catalogs). */
export function modelsForOperation(catalog: Catalog, operation: Operation): ModelSummary[] {
  const index = indexOf(catalog);
  const ids = index?.modelIdsByOperation.get(operation) ?? [];
  return ids.flatMap((id) => {
    const model = index?.models.get(id)?.model;
    return model === undefined ? [] : [{ id: model.id, name: model.name, provider: model.provider }];
  });
}

/** The size rules a model applies to an operation (its own, or the operation's override). */
export function sizeRules(catalog: Catalog, modelId: string, operation: Operation): SizeRules | undefined {
  return indexOf(catalog)?.models.get(modelId)?.offers.get(operation)?.size;
}

/** The model's preset sizes that its rules for the operation accept. */
export function sizePresets(catalog: Catalog, modelId: string, operation: Operation): ImageSize[] {
  const model = indexOf(catalog)?.models.get(modelId);
  const rules = model?.offers.get(operation)?.size;
  if (model === undefined || rules === undefined) return [];
  return (model.model.sizePresets ?? []).filter((preset) => fitsSizeRules(preset.width, preset.height, rules));
}

/** Undefined for a model that takes no step count. */
export function stepRange(catalog: Catalog, modelId: string): StepRange | undefined {
  return indexOf(catalog)?.models.get(modelId)?.model.steps;
}

export function defaultSteps(catalog: Catalog, modelId: string): number | undefined {
  return stepRange(catalog, modelId)?.default;
}

/** The quality levels that pick a model for the operation. */
export function qualityLevelsForOperation(catalog: Catalog, operation: Operation): QualityLevel[] {
  const index = indexOf(catalog);
  return index === undefined ? [] : qualityLevelsFor(index, operation);
}

export function modelForQuality(catalog: Catalog, quality: QualityLevel, operation: Operation): string | undefined {
  return indexOf(catalog)?.catalog.qualityLevels[quality]?.[operation];
}

/** "75 tokens", "1 credit": a price in the catalog's own unit, for "Generate — Cost: 75 tokens". */
export function formatCredits(credits: number, catalog: Catalog): string {
  return `${credits} ${unitWord(credits, catalog.unit)}`;
}
