/**
 * Hard limits on every price-relevant field, whatever a catalog says. Catalogs may only narrow
 * them. They keep arithmetic exact (every price stays a safe integer: 268 MP × 1,000 steps ×
 * 100,000 credits per MP·step × 2 for a full mask is 5.4e13; 1e9 credits × 100 variations is 1e11)
 * and keep a hostile request from costing time or memory.
 */
export const pricingLimits = {
  /** Longest side of any image, source or output. */
  maximumSidePixels: 16_384,
  /** Largest image area, in megapixels (16,384 × 16,384 ≈ 268.4 MP). */
  maximumMegapixels: 268,
  maximumSteps: 1_000,
  /** Images in one request; a catalog sets its own lower `maximumVariations`. */
  maximumVariations: 100,
  maximumCreditsPerMegapixelStep: 100_000,
  maximumFlatCredits: 1_000_000_000,
  /** Decimal places allowed in catalog rates and megapixel bounds, so they convert to exact ratios. */
  maximumDecimalPlaces: 6,
  maximumIdLength: 64,
  maximumNameLength: 120,
  maximumModels: 200,
  maximumTiers: 16,
  maximumSizePresets: 32,
  maximumFreeAllowanceUnits: 1_000_000,
  /** Characters of a rejected input value quoted back in an error message. */
  maximumQuotedInputLength: 40,
} as const;
