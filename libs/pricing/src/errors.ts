/** Why a request cannot be priced; stable strings the server and the UI branch on. */
export type ErrorCode =
  | 'invalid_type'
  | 'required'
  | 'not_finite'
  | 'not_integer'
  | 'out_of_range'
  | 'not_multiple'
  | 'too_many_megapixels'
  | 'unknown_operation'
  | 'unknown_model'
  | 'unknown_quality'
  | 'unsupported_operation'
  | 'conflicting_fields'
  | 'not_supported'
  | 'unreadable'
  | 'invalid_catalog'
  | 'no_cheaper_settings';

/** What would have been accepted: a numeric range, or the list of accepted values (model ids, operations). */
export type Allowed = AllowedRange | readonly string[];

export interface AllowedRange {
  readonly min?: number;
  readonly max?: number;
  readonly multipleOf?: number;
  readonly maxMegapixels?: number;
}

export interface EstimateError {
  /** Dotted path into the request: `width`, `outpaint.left`, `model`, `usage.freeUnitsUsed.huggingface-flux`. */
  readonly field: string;
  readonly code: ErrorCode;
  /** A sentence for a person: what is wrong and what would be accepted. */
  readonly message: string;
  readonly allowed?: Allowed;
}

/** A fault in a catalog, at a dotted path such as `models.3.operations.inpaint.pricing.tiers.1`. */
export interface CatalogIssue {
  readonly path: string;
  readonly message: string;
}
