export { estimate } from './estimate.js';
export type { EstimateResult, EstimateSuccess, EstimateFailure, LineItem, FreeUnitsSpent } from './estimate-result.js';
export type { GenerationRequest, MaskCoverage, OutpaintExpansion, OutpaintSide, Usage } from './request.js';
export { outpaintSides } from './request.js';
export type { EstimateError, ErrorCode, Allowed, AllowedRange, CatalogIssue } from './errors.js';
export { operations, qualityLevels, isOperation, isQualityLevel, operationLabel } from './operation.js';
export type { Operation, QualityLevel } from './operation.js';
export type {
  Catalog,
  CatalogModel,
  CreditUnit,
  OperationOffer,
  SizeRules,
  ImageSize,
  StepRange,
  PricingRule,
  PerMegapixelStepPricing,
  FlatPricing,
  SizeTierPricing,
  SizeTier,
  FreeAllowance,
  AllowancePeriod,
} from './catalog.js';
export { parseCatalog } from './parse-catalog.js';
export type { ParseCatalogResult } from './parse-catalog.js';
export { catalogs, listA, listB, defaultCatalog, extendedCatalog } from './catalogs.js';
export {
  operationsOffered,
  modelsForOperation,
  sizeRules,
  sizePresets,
  stepRange,
  defaultSteps,
  qualityLevelsForOperation,
  modelForQuality,
  formatCredits,
} from './catalog-queries.js';
export type { ModelSummary } from './catalog-queries.js';
export { pricingLimits } from './limits.js';
export { suggestCheaper } from './suggest-cheaper.js';
export type { CheaperSuggestion, SettingChange } from './suggest-cheaper.js';
export { buildRequest, defaultOperation } from './build-request.js';
export type { BuildContext, BuiltGenerationRequest, BuiltRequest, WorkspaceSettings } from './build-request.js';
export { creditRefusal, judge, refusalStatus } from './judge.js';
export type { CreditLimits, CreditShortfall, JobInputs, Judgement, Refusal, RefusalCode, SpendingLimits, TierLimits } from './judge.js';
export { operationInputs } from './operation-inputs.js';
export type { OperationInputs } from './operation-inputs.js';
