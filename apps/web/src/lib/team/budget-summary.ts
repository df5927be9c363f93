import type { BudgetView } from '@atelier/contracts';
import { credits, timeUntil } from '../format.js';

const perPeriod: Readonly<Record<BudgetView['period'], string>> = { day: ' / day', week: ' / week', month: ' / month', none: ' in total' };

/** "1,000 credits / month", "No limit". */
export function limitText(budget: Pick<BudgetView, 'limitCredits' | 'period'>): string {
  return budget.limitCredits === null ? 'No limit' : `${credits(budget.limitCredits)}${perPeriod[budget.period]}`;
}

/** Share of the limit used (spent and held), 0–100; undefined without a limit. */
export function usedPercent(budget: Pick<BudgetView, 'limitCredits' | 'spentCredits' | 'pendingCredits'>): number | undefined {
  if (budget.limitCredits === null) return undefined;
  if (budget.limitCredits === 0) return 100;
  return Math.min(100, ((budget.spentCredits + budget.pendingCredits) / budget.limitCredits) * 100);
}

/** "resets in 3 days", or '' for budgets that never reset. */
export function resetText(budget: Pick<BudgetView, 'resetsAt'>, now: Date = new Date()): string {
  return budget.resetsAt === null ? '' : `resets ${timeUntil(budget.resetsAt, now)}`;
}

/** The allow-list in a few words. */
export function allowedModelsText(allowedModels: readonly string[] | null, nameOf: (id: string) => string): string {
  if (allowedModels === null) return 'Every model';
  if (allowedModels.length === 0) return 'No model';
  const names = allowedModels.map(nameOf);
  return names.length <= 2 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${String(names.length - 2)} more`;
}
