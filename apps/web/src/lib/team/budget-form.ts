import { limits, type BudgetPeriod, type BudgetSettings, type MemberView, type SetMemberBudgetRequest } from '@atelier/contracts';

/** What the budget editor's fields hold: text as typed, so a half-typed number is not lost. */
export interface BudgetDraft {
  unlimited: boolean;
  limit: string;
  period: BudgetPeriod;
  /** Percentages separated by commas or spaces, e.g. "50, 80". */
  thresholds: string;
  /** false: every model of the catalog. */
  restrictModels: boolean;
  allowedModels: string[];
}

export type BudgetField = 'limit' | 'thresholds' | 'allowedModels';

export type BudgetDraftResult =
  | { ok: true; request: SetMemberBudgetRequest }
  | { ok: false; errors: Partial<Record<BudgetField, string>> };

/** contracts' budgetPeriod, as a plain list (the zod schema need not ship to the browser). */
export const budgetPeriods = ['day', 'week', 'month', 'none'] as const satisfies readonly BudgetPeriod[];

export const periodLabels: Readonly<Record<BudgetPeriod, string>> = {
  day: 'per day',
  week: 'per week',
  month: 'per month',
  none: 'in total (never resets)',
};

export function draftFromMember(member: Pick<MemberView, 'budget' | 'alertThresholdsPercent' | 'allowedModels'>): BudgetDraft {
  return {
    unlimited: member.budget.limitCredits === null,
    limit: member.budget.limitCredits === null ? '' : String(member.budget.limitCredits),
    period: member.budget.period,
    thresholds: member.alertThresholdsPercent.join(', '),
    restrictModels: member.allowedModels !== null,
    allowedModels: [...(member.allowedModels ?? [])],
  };
}

/** The request the server's setMemberBudgetRequest accepts, or a message per field saying how to fix it. */
export function validateBudgetDraft(draft: BudgetDraft): BudgetDraftResult {
  const errors: Partial<Record<BudgetField, string>> = {};
  const limit = draft.unlimited ? null : parseLimit(draft.limit);
  if (typeof limit === 'string') errors.limit = limit;
  const thresholds = parseThresholds(draft.thresholds);
  if (typeof thresholds === 'string') errors.thresholds = thresholds;
  if (draft.restrictModels && draft.allowedModels.length === 0) {
    errors.allowedModels = 'Tick at least one model, or allow every model. To stop this member generating, set the limit to 0.';
  } else if (draft.allowedModels.length > limits.allowedModels) {
    errors.allowedModels = `Tick at most ${String(limits.allowedModels)} models, or allow every model.`;
  }
  if (typeof limit === 'string' || typeof thresholds === 'string' || errors.allowedModels !== undefined) return { ok: false, errors };
  return {
    ok: true,
    request: {
      limitCredits: limit,
      period: draft.period,
      alertThresholdsPercent: thresholds,
      allowedModels: draft.restrictModels ? [...new Set(draft.allowedModels)] : null,
    },
  };
}

function parseLimit(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed === '') return 'Enter a number of credits, or tick "No limit".';
  if (!/^\d+$/.test(trimmed)) return 'Enter a whole number of credits (0 or more), without signs or decimals.';
  const value = Number(trimmed);
  if (!Number.isSafeInteger(value)) return 'That number is too large; enter a smaller limit, or tick "No limit".';
  return value;
}

function parseThresholds(text: string): number[] | string {
  const parts = text.split(/[\s,;%]+/).filter((part) => part !== '');
  const values: number[] = [];
  for (const part of parts) {
    const value = Number(part);
    if (!/^\d+$/.test(part) || value < 1 || value > 100) {
      return `"${part}" is not a percentage: use whole numbers from 1 to 100, e.g. "50, 80".`;
    }
    if (values.includes(value)) return `${String(value)}% appears twice; list each threshold once.`;
    values.push(value);
  }
  if (values.length > limits.alertThresholds) return `Use at most ${String(limits.alertThresholds)} thresholds.`;
  return values.sort((a, b) => a - b);
}

/**
 * What the member would have left this period under the drafted limit: the limit minus what they
 * spent and what their running jobs hold. null: unlimited; undefined: the limit is not valid yet.
 */
export function remainingUnderDraft(draft: BudgetDraft, spent: { spentCredits: number; pendingCredits: number }): number | null | undefined {
  if (draft.unlimited) return null;
  const limit = parseLimit(draft.limit);
  if (typeof limit === 'string') return undefined;
  return Math.max(0, limit - spent.spentCredits - spent.pendingCredits);
}

/** A limit and its period alone (project budgets, the default for new members). */
export function validateLimit(draft: Pick<BudgetDraft, 'unlimited' | 'limit' | 'period'>): { ok: true; settings: BudgetSettings } | { ok: false; error: string } {
  if (draft.unlimited) return { ok: true, settings: { limitCredits: null, period: draft.period } };
  const limit = parseLimit(draft.limit);
  return typeof limit === 'string' ? { ok: false, error: limit } : { ok: true, settings: { limitCredits: limit, period: draft.period } };
}
