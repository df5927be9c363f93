import { creditPackageIds, type AutoTopUpSettings, type AutoTopUpView, type CreditPackageId } from '@atelier/contracts';
import { centsToInput, parseCents } from './money.js';

export interface AutoTopUpDraft {
  enabled: boolean;
  threshold: string;
  packageId: CreditPackageId;
  /** In the currency's units, as typed ("200.00"). */
  monthlyCeiling: string;
}

export type AutoTopUpField = 'threshold' | 'monthlyCeiling';

export type AutoTopUpResult = { ok: true; settings: AutoTopUpSettings } | { ok: false; errors: Partial<Record<AutoTopUpField, string>> };

/** Suggested values until an owner saves their own. */
export const autoTopUpDefaults = { thresholdCredits: 500, packageId: 'standard', monthlyCeilingCents: 20_000 } as const;

export function draftFromView(view: AutoTopUpView): AutoTopUpDraft {
  return {
    enabled: view.enabled,
    threshold: String(view.thresholdCredits ?? autoTopUpDefaults.thresholdCredits),
    packageId: view.packageId ?? autoTopUpDefaults.packageId,
    monthlyCeiling: centsToInput(view.monthlyCeilingCents ?? autoTopUpDefaults.monthlyCeilingCents),
  };
}

/** The settings the API accepts (autoTopUpSettings), or what to fix in each field. */
export function validateAutoTopUp(draft: AutoTopUpDraft, packagePriceCents: (id: CreditPackageId) => number | undefined): AutoTopUpResult {
  const errors: Partial<Record<AutoTopUpField, string>> = {};
  const threshold = draft.threshold.trim();
  const thresholdCredits = /^\d{1,10}$/.test(threshold) ? Number(threshold) : Number.NaN;
  if (!(thresholdCredits >= 1 && thresholdCredits <= 1_000_000_000)) {
    errors.threshold = 'Enter a whole number of credits from 1 to 1,000,000,000.';
  }
  const ceiling = parseCents(draft.monthlyCeiling);
  const price = packagePriceCents(draft.packageId);
  if (ceiling === undefined || ceiling < 1 || ceiling > 100_000_000) {
    errors.monthlyCeiling = 'Enter an amount such as 200 or 200.00 (at most 1,000,000).';
  } else if (price !== undefined && ceiling < price) {
    errors.monthlyCeiling = `The ceiling is below the price of one top-up (${centsToInput(price)}): raise it, or pick a smaller package.`;
  }
  if (errors.threshold !== undefined || errors.monthlyCeiling !== undefined || ceiling === undefined) return { ok: false, errors };
  if (!(creditPackageIds as readonly string[]).includes(draft.packageId)) return { ok: false, errors };
  return { ok: true, settings: { enabled: draft.enabled, thresholdCredits, packageId: draft.packageId, monthlyCeilingCents: ceiling } };
}
