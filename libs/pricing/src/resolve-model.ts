import type { CatalogIndex, IndexedModel, IndexedOffer } from './catalog-index.js';
import type { EstimateError } from './errors.js';
import { isQualityLevel, operationLabel, qualityLevels, type Operation, type QualityLevel } from './operation.js';
import { isAbsent, quote } from './read-input.js';

export interface ResolvedModel {
  readonly model: IndexedModel;
  readonly offer: IndexedOffer;
}

/**
 * Picks the model that will price (and run) a request: the one it names, or the one its quality
 * level picks, or the catalog's default for the operation.
 */
export function resolveModel(index: CatalogIndex, operation: Operation, modelId: unknown, quality: unknown): ResolvedModel | EstimateError {
  const offering = index.modelIdsByOperation.get(operation) ?? [];
  const hasModel = !isAbsent(modelId);
  const hasQuality = !isAbsent(quality);
  if (hasModel && hasQuality) {
    return { field: 'quality', code: 'conflicting_fields', message: 'Give a model or a quality level, not both' };
  }
  if (hasQuality) return resolveQuality(index, operation, quality);
  if (!hasModel) {
    const fallback = index.catalog.defaultModels[operation];
    if (fallback !== undefined) return offerOf(index, fallback, operation, 'model', offering);
    return { field: 'model', code: 'required', message: `Choose a model for ${operationLabel(operation)}`, allowed: offering };
  }
  if (typeof modelId !== 'string') {
    return { field: 'model', code: 'invalid_type', message: `model must be a model id, not ${quote(modelId)}`, allowed: offering };
  }
  return offerOf(index, modelId, operation, 'model', offering);
}

function resolveQuality(index: CatalogIndex, operation: Operation, quality: unknown): ResolvedModel | EstimateError {
  const levels = qualityLevelsFor(index, operation);
  if (!isQualityLevel(quality)) {
    return { field: 'quality', code: 'unknown_quality', message: `Unknown quality level ${quote(quality)}`, allowed: levels };
  }
  const modelId = index.catalog.qualityLevels[quality]?.[operation];
  if (modelId === undefined) {
    return {
      field: 'quality',
      code: 'unsupported_operation',
      message: `No ${quality} model for ${operationLabel(operation)}; choose a model`,
      allowed: levels,
    };
  }
  return offerOf(index, modelId, operation, 'quality', index.modelIdsByOperation.get(operation) ?? []);
}

function offerOf(index: CatalogIndex, modelId: string, operation: Operation, field: string, offering: readonly string[]): ResolvedModel | EstimateError {
  const model = index.models.get(modelId);
  if (model === undefined) {
    return { field, code: 'unknown_model', message: `Unknown model ${quote(modelId)}`, allowed: offering };
  }
  const offer = model.offers.get(operation);
  if (offer === undefined) {
    return {
      field,
      code: 'unsupported_operation',
      message: `${model.model.name} does not offer ${operationLabel(operation)}`,
      allowed: offering,
    };
  }
  return { model, offer };
}

/** The quality levels that pick a model for an operation in this catalog. */
export function qualityLevelsFor(index: CatalogIndex, operation: Operation): QualityLevel[] {
  return qualityLevels.filter((level) => index.catalog.qualityLevels[level]?.[operation] !== undefined);
}
