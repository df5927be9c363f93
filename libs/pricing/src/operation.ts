/** Every operation a catalog can price; a catalog offers the subset its models declare. */
export const operations = [
  'text-to-image',
  'inpaint',
  'outpaint',
  'remove-background',
  'search-and-replace',
  'search-and-recolor',
  'replace-background-and-relight',
  'general-edit',
  'upscale-fast',
  'upscale-conservative',
  'upscale-creative',
] as const;

export type Operation = (typeof operations)[number];

/** A quality level names no model itself: each catalog maps it to one model per operation. */
export const qualityLevels = ['draft', 'standard', 'premium'] as const;

export type QualityLevel = (typeof qualityLevels)[number];

const operationLabels: Readonly<Record<Operation, string>> = {
  'text-to-image': 'text-to-image',
  inpaint: 'inpaint',
  outpaint: 'outpaint',
  'remove-background': 'remove background',
  'search-and-replace': 'search & replace',
  'search-and-recolor': 'search & recolor',
  'replace-background-and-relight': 'replace background & relight',
  'general-edit': 'general edit',
  'upscale-fast': 'fast upscale (4×)',
  'upscale-conservative': 'conservative upscale (to 4K)',
  'upscale-creative': 'creative upscale (to 4K)',
};

export function isOperation(value: unknown): value is Operation {
  return typeof value === 'string' && (operations as readonly string[]).includes(value);
}

export function isQualityLevel(value: unknown): value is QualityLevel {
  return typeof value === 'string' && (qualityLevels as readonly string[]).includes(value);
}

/** The words line items and the UI use for an operation. */
export function operationLabel(operation: Operation): string {
  return operationLabels[operation];
}

