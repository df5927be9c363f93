import type { collabFields as contractFields } from '@atelier/contracts';

/**
 * The shared types of a workspace document (libs/contracts collab.ts). Restated as plain
 * constants so the browser bundle does not pull the contracts' zod schemas; `satisfies` keeps the
 * two identical.
 */
export const collabFields = {
  prompt: 'prompt',
  negativePrompt: 'negativePrompt',
  settings: 'settings',
  mask: 'mask',
} as const satisfies typeof contractFields;

/** Mirrors contracts' jobLimits for strokes: the server refuses a job beyond them. */
export const maskLimits = {
  strokes: 1_000,
  pointsPerStroke: 4_000,
  totalPoints: 40_000,
  minimumWidth: 1,
  maximumWidth: 1024,
} as const;

export const seedMax = 4_294_967_295;
