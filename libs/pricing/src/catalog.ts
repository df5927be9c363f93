import type { Operation, QualityLevel } from './operation.js';

/**
 * A price catalog: versioned data, validated by `parseCatalog` before use. Every field is read-only
 * because a parsed catalog is frozen; a change is a new version, never an edit.
 */
export interface Catalog {
  /** Stable slug recorded on each job with `version`. */
  readonly id: string;
  /** Whole number, raised by one for every change to prices or rules. */
  readonly version: number;
  readonly name: string;
  /** What the credits are called in this catalog ("token"/"tokens" for List A). */
  readonly unit: CreditUnit;
  /** The lowest price of a paid image, ≥ 1; a rule may raise it. */
  readonly minimumCredits: number;
  /** Most images one request may ask for. */
  readonly maximumVariations: number;
  /** The model used when a request names neither a model nor a quality level. */
  readonly defaultModels: Readonly<Partial<Record<Operation, string>>>;
  /** The model each quality level picks, per operation. */
  readonly qualityLevels: Readonly<Partial<Record<QualityLevel, Readonly<Partial<Record<Operation, string>>>>>>;
  readonly models: readonly CatalogModel[];
}

export interface CreditUnit {
  readonly singular: string;
  readonly plural: string;
}

export interface CatalogModel {
  /** Stable slug such as `flux-dev` or `stability-ultra`. */
  readonly id: string;
  readonly name: string;
  /** Who runs it: `black-forest-labs`, `stability`, `wavespeed`, `huggingface`, `google`, … */
  readonly provider: string;
  /** Size rules for every operation that does not set its own. */
  readonly size: SizeRules;
  readonly sizePresets?: readonly ImageSize[];
  /** Absent for models that take no step count (flat-priced services). */
  readonly steps?: StepRange;
  readonly operations: Readonly<Partial<Record<Operation, OperationOffer>>>;
}

export interface OperationOffer {
  readonly pricing: PricingRule;
  /** Replaces the model's size rules for this operation (an upscaler takes smaller sources, outpaint a larger canvas). */
  readonly size?: SizeRules;
}

/** For edits and upscales these bound the source image; for outpaint both the source and the final canvas. */
export interface SizeRules {
  readonly multipleOf: number;
  readonly minimumSide: number;
  readonly maximumSide: number;
  readonly maximumMegapixels: number;
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export interface StepRange {
  readonly minimum: number;
  readonly maximum: number;
  readonly default: number;
}

export type PricingRule = PerMegapixelStepPricing | FlatPricing | SizeTierPricing;

interface PricingRuleBase {
  /** Overrides the catalog's `minimumCredits` for this operation. */
  readonly minimumCredits?: number;
  readonly freeAllowance?: FreeAllowance;
}

/** Price = megapixels (10⁶ px) × steps × rate; used where compute grows with both. */
export interface PerMegapixelStepPricing extends PricingRuleBase {
  readonly kind: 'per-megapixel-step';
  readonly creditsPerMegapixelStep: number;
  /** Inpaint only: extra percent at full mask coverage, scaled by the mask's coverage. */
  readonly maskSurchargePercent?: number;
}

export interface FlatPricing extends PricingRuleBase {
  readonly kind: 'flat';
  readonly credits: number;
}

/** A price range resolved by the image's size: the first tier whose bound the image fits. */
export interface SizeTierPricing extends PricingRuleBase {
  readonly kind: 'size-tiers';
  /** Ascending; the last tier has no bound and catches every larger image. */
  readonly tiers: readonly SizeTier[];
}

export interface SizeTier {
  readonly upToMegapixels?: number;
  readonly credits: number;
}

/** Free units per period before the rule's price applies; `usage` says how many are spent. */
export interface FreeAllowance {
  /** Key into `usage.freeUnitsUsed`; models that share a quota share an id. */
  readonly id: string;
  readonly units: number;
  readonly period: AllowancePeriod;
}

export type AllowancePeriod = 'day' | 'month';
