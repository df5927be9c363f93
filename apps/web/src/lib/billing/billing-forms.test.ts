import { describe, expect, it } from 'vitest';
import type { AutoTopUpView } from '@atelier/contracts';
import { draftFromView, validateAutoTopUp } from './auto-top-up-form.js';
import { centsToInput, formatMoney, parseCents } from './money.js';

const prices = (id: string) => ({ starter: 1_000, standard: 4_500, bulk: 20_000 })[id];

const never: AutoTopUpView = {
  enabled: false,
  thresholdCredits: null,
  packageId: null,
  monthlyCeilingCents: null,
  spentThisMonthCents: 0,
  consecutiveFailures: 0,
  disabledReason: null,
  lastAttemptAt: null,
  lastAttemptStatus: null,
};

describe('money', () => {
  it('reads amounts as text, to the cent', () => {
    expect(parseCents('50')).toBe(5_000);
    expect(parseCents('0.1')).toBe(10);
    expect(parseCents('$1,200.05')).toBe(120_005);
    expect(parseCents('12.345')).toBeUndefined();
    expect(parseCents('-5')).toBeUndefined();
    expect(centsToInput(120_005)).toBe('1200.05');
    expect(formatMoney(4_500, 'usd')).toBe('$45.00');
  });
});

describe('auto top-up form', () => {
  it('starts from suggested values and saves them as the API expects', () => {
    const draft = { ...draftFromView(never), enabled: true };
    expect(draft).toEqual({ enabled: true, threshold: '500', packageId: 'standard', monthlyCeiling: '200.00' });
    expect(validateAutoTopUp(draft, prices)).toEqual({
      ok: true,
      settings: { enabled: true, thresholdCredits: 500, packageId: 'standard', monthlyCeilingCents: 20_000 },
    });
  });

  it('says what to fix', () => {
    const result = validateAutoTopUp({ enabled: true, threshold: '0', packageId: 'bulk', monthlyCeiling: '150' }, prices);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.threshold).toMatch(/whole number of credits/);
    expect(result.errors.monthlyCeiling).toMatch(/below the price of one top-up \(200\.00\)/);
  });
});
