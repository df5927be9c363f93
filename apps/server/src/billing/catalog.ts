import type {
  CreditPackageId,
  CreditPackageView,
  PaidTierId,
  SubscriptionTierId,
  SubscriptionTierView,
} from '@atelier/contracts';

/**
 * What one can buy: data, not code. Packages are one-off Checkout payments (their credits never
 * expire); tiers are monthly Stripe subscriptions whose every paid invoice grants `monthlyCredits`,
 * expiring at the end of the period paid for, with up to `rolloverCapCredits` unspent credits
 * carried into the next period. Prices are integer cents.
 */
export interface CreditPackage {
  id: CreditPackageId;
  name: string;
  credits: number;
  priceCents: number;
}

export interface SubscriptionTier {
  id: SubscriptionTierId;
  name: string;
  monthlyCredits: number;
  priceCents: number;
  /** 0: nothing carries over; null: everything does. */
  rolloverCapCredits: number | null;
  /** What the tier allows a job (checked with every other limit by @atelier/pricing's judge); null: no restriction. */
  limits: { allowedModels: string[] | null; maxImagesPerJob: number | null; maxConcurrentJobs: number | null };
}

export const billingCurrency = 'usd';

export const creditPackages: readonly CreditPackage[] = [
  { id: 'starter', name: 'Starter', credits: 1_000, priceCents: 1_000 },
  { id: 'standard', name: 'Standard', credits: 5_000, priceCents: 4_500 },
  { id: 'bulk', name: 'Bulk', credits: 25_000, priceCents: 20_000 },
];

export const subscriptionTiers: readonly SubscriptionTier[] = [
  { id: 'free', name: 'Free', monthlyCredits: 0, priceCents: 0, rolloverCapCredits: 0, limits: { allowedModels: null, maxImagesPerJob: 4, maxConcurrentJobs: null } },
  { id: 'basic', name: 'Basic', monthlyCredits: 3_000, priceCents: 2_900, rolloverCapCredits: 0, limits: { allowedModels: null, maxImagesPerJob: 8, maxConcurrentJobs: null } },
  { id: 'pro', name: 'Pro', monthlyCredits: 12_000, priceCents: 9_900, rolloverCapCredits: 6_000, limits: { allowedModels: null, maxImagesPerJob: null, maxConcurrentJobs: null } },
  {
    id: 'enterprise',
    name: 'Enterprise',
    monthlyCredits: 60_000,
    priceCents: 44_900,
    rolloverCapCredits: 30_000,
    limits: { allowedModels: null, maxImagesPerJob: null, maxConcurrentJobs: null },
  },
];

/** Stripe Prices of the tiers are found (or created once) by these lookup keys; bump the version to reprice. */
export function tierLookupKey(tier: PaidTierId): string {
  return `atelier_tier_${tier}_monthly_v1`;
}

export function tierOfLookupKey(lookupKey: string | null | undefined): PaidTierId | undefined {
  const match = /^atelier_tier_(basic|pro|enterprise)_monthly_v\d+$/.exec(lookupKey ?? '');
  return match?.[1] as PaidTierId | undefined;
}

export function creditPackage(id: CreditPackageId): CreditPackage {
  const found = creditPackages.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`unknown credit package ${id}`);
  return found;
}

export function subscriptionTier(id: SubscriptionTierId): SubscriptionTier {
  const found = subscriptionTiers.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`unknown subscription tier ${id}`);
  return found;
}

export function creditPackageView(item: CreditPackage): CreditPackageView {
  return {
    id: item.id,
    name: item.name,
    credits: item.credits,
    priceCents: item.priceCents,
    currency: billingCurrency,
    centsPerThousandCredits: Math.round((item.priceCents * 1_000) / item.credits),
  };
}

export function subscriptionTierView(tier: SubscriptionTier): SubscriptionTierView {
  return {
    id: tier.id,
    name: tier.name,
    monthlyCredits: tier.monthlyCredits,
    priceCents: tier.priceCents,
    currency: billingCurrency,
    rolloverCapCredits: tier.rolloverCapCredits,
    limits: { ...tier.limits },
    purchasable: tier.id !== 'free',
  };
}
