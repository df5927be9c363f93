import type { JobRecord } from './jobs.repository.js';

/** What `images` images of a job cost: its free units first, then its unit price each. */
export function creditsFor(job: Pick<JobRecord, 'freeUnits' | 'unitCredits'>, images: number): number {
  return Math.max(0, images - job.freeUnits) * job.unitCredits;
}

/** What a cancel of a running job keeps and charges, decided when it was accepted. */
export interface CancelOutcome {
  keptImages: number;
  chargedCredits: number;
  releasedCredits: number;
}

export function cancelOutcome(job: Pick<JobRecord, 'freeUnits' | 'unitCredits' | 'priceCredits' | 'cancelKeptImages'>): CancelOutcome {
  const keptImages = job.cancelKeptImages ?? 0;
  const chargedCredits = Math.min(job.priceCredits, creditsFor(job, keptImages));
  return { keptImages, chargedCredits, releasedCredits: job.priceCredits - chargedCredits };
}
