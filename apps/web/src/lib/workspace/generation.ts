import type { CollabSettings } from '@atelier/contracts';
import { estimate, suggestCheaper, type Catalog, type CheaperSuggestion, type EstimateResult, type GenerationRequest } from '@atelier/pricing';

/** Why Generate cannot run now; `code` matches the server's refusal where there is one. */
export interface Blocker {
  code:
    | 'invalid_settings'
    | 'insufficient_credits'
    | 'budget_exceeded'
    | 'project_budget_exceeded'
    | 'model_not_allowed'
    | 'forbidden'
    | 'prompt_missing'
    | 'source_missing'
    | 'mask_missing'
    | 'loading';
  message: string;
}

export interface Limits {
  /** The pool's available credits; undefined while unknown. */
  poolAvailable: number | undefined;
  /** My remaining budget: null for unlimited, undefined while unknown. */
  budgetRemaining: number | null | undefined;
  /** When my budget resets (ISO), if it does. */
  budgetResetsAt?: string | null | undefined;
  /** The project's remaining budget: null for none/unlimited. */
  projectRemaining: number | null;
  /** Models I may use: null for all. */
  allowedModels: readonly string[] | null;
  canGenerate: boolean;
}

export interface Draft {
  settings: CollabSettings;
  prompt: string;
  /** Inpaint: the share of the image the mask covers (0 to 1), as the server will measure it. */
  maskCoverage?: number | undefined;
}

export interface Assessment {
  request: Record<string, unknown>;
  estimate: EstimateResult;
  blockers: Blocker[];
  /** Settings that fit what I can spend, when the current ones do not (and some do). */
  suggestion: Extract<CheaperSuggestion, { ok: true }> | undefined;
  /** The most I can spend now: the tightest of pool, budget and project. */
  spendable: number | undefined;
}

export const defaultOperation = 'text-to-image';

/**
 * The pricing request the document's settings make: the same fields, with the same precedence,
 * as the server reads from the document (collab applySnapshot), so the browser's price is the
 * server's.
 */
export function requestOf(draft: Draft): Record<string, unknown> {
  const { settings } = draft;
  const operation = settings.operation ?? defaultOperation;
  const request: Record<string, unknown> = { operation };
  if (settings.model !== undefined) request.model = settings.model;
  else if (settings.quality !== undefined) request.quality = settings.quality;
  for (const key of ['width', 'height', 'steps', 'variations'] as const) {
    if (settings[key] !== undefined) request[key] = settings[key];
  }
  if (operation === 'outpaint' && settings.outpaint !== undefined) request.outpaint = settings.outpaint;
  if (operation === 'inpaint') request.mask = { coverage: draft.maskCoverage ?? 0 };
  return request;
}

/** Prices the draft with the catalog and lists everything that would stop Generate, with what to do. */
export function assess(draft: Draft, limits: Limits, catalog: Catalog): Assessment {
  const request = requestOf(draft);
  const priced = estimate(request, catalog);
  const blockers: Blocker[] = [];
  const spendable = minimumDefined([limits.poolAvailable, limits.budgetRemaining ?? undefined, limits.projectRemaining ?? undefined]);
  if (!limits.canGenerate) blockers.push({ code: 'forbidden', message: 'Viewers cannot generate: ask a manager to make you a member.' });
  if (!priced.ok) {
    const first = priced.errors[0];
    blockers.push({ code: 'invalid_settings', message: first === undefined ? 'These settings cannot be priced.' : `${first.message}.` });
    return { request, estimate: priced, blockers, suggestion: undefined, spendable };
  }
  const operation = request.operation as string;
  if (draft.prompt.trim() === '') blockers.push({ code: 'prompt_missing', message: 'Write a prompt first.' });
  if (operation !== 'text-to-image' && draft.settings.sourceAssetId === undefined) {
    blockers.push({ code: 'source_missing', message: 'Choose a source image from the gallery.' });
  }
  if (operation === 'inpaint' && (draft.maskCoverage ?? 0) === 0) blockers.push({ code: 'mask_missing', message: 'Paint the area to change on the mask.' });
  if (limits.allowedModels !== null && !limits.allowedModels.includes(priced.modelId)) {
    blockers.push({
      code: 'model_not_allowed',
      message: `Your budget does not include ${priced.modelId}. Pick one of: ${limits.allowedModels.join(', ') || 'none (ask a manager)'}.`,
    });
  }
  const cost = priced.credits;
  if (limits.poolAvailable === undefined || limits.budgetRemaining === undefined) {
    blockers.push({ code: 'loading', message: 'Reading the balances…' });
  } else {
    if (limits.poolAvailable < cost) {
      blockers.push({
        code: 'insufficient_credits',
        message: `The team pool has ${String(limits.poolAvailable)} credits available; this needs ${String(cost)}. Ask an owner to add credits, or reduce the cost.`,
      });
    }
    if (limits.budgetRemaining !== null && limits.budgetRemaining < cost) {
      const reset = limits.budgetResetsAt == null ? '' : ` It resets ${new Date(limits.budgetResetsAt).toLocaleString()}.`;
      blockers.push({
        code: 'budget_exceeded',
        message: `Your budget has ${String(limits.budgetRemaining)} credits left; this needs ${String(cost)}.${reset} Ask a manager to raise it, or reduce the cost.`,
      });
    }
  }
  if (limits.projectRemaining !== null && limits.projectRemaining < cost) {
    blockers.push({
      code: 'project_budget_exceeded',
      message: `The project's budget has ${String(limits.projectRemaining)} credits left; this needs ${String(cost)}. Ask a manager to raise it, or reduce the cost.`,
    });
  }
  const overSpend = spendable !== undefined && cost > spendable;
  let suggestion: Assessment['suggestion'];
  if (overSpend) {
    const cheaper = suggestCheaper(request, spendable, catalog);
    if (cheaper.ok && cheaper.changes.length > 0 && isAllowed(cheaper.estimate.modelId, limits.allowedModels)) suggestion = cheaper;
  }
  return { request, estimate: priced, blockers, suggestion, spendable };
}

/** The document settings that apply a suggestion (an explicit model replaces a quality level). */
export function settingsFromSuggestion(request: GenerationRequest): Partial<CollabSettings> {
  return {
    model: request.model,
    width: request.width,
    height: request.height,
    ...(request.steps === undefined ? {} : { steps: request.steps }),
    ...(request.variations === undefined ? {} : { variations: request.variations }),
    ...(request.outpaint === undefined
      ? {}
      : { outpaint: { left: request.outpaint.left ?? 0, right: request.outpaint.right ?? 0, top: request.outpaint.top ?? 0, bottom: request.outpaint.bottom ?? 0 } }),
  };
}

function isAllowed(modelId: string, allowed: readonly string[] | null): boolean {
  return allowed === null || allowed.includes(modelId);
}

function minimumDefined(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((value): value is number => value !== undefined);
  return defined.length === 0 ? undefined : Math.min(...defined);
}
