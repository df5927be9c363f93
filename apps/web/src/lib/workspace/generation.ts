import type { CollabSettings } from '@atelier/contracts';
import {
  buildRequest,
  judge,
  suggestCheaper,
  type Catalog,
  type CheaperSuggestion,
  type EstimateResult,
  type GenerationRequest,
  type RefusalCode,
  type TierLimits,
  type Usage,
  type WorkspaceSettings,
} from '@atelier/pricing';

export { defaultOperation } from '@atelier/pricing';

/** Why Generate cannot run now; `code` and `field` are the server's for the same refusal. */
export interface Blocker {
  code: RefusalCode | 'forbidden' | 'loading';
  /** The field at fault, as the server names it (`prompt`, `request.width`). */
  field?: string | undefined;
  message: string;
}

/** The catalog the org is priced with and what its tier allows (GET /api/orgs/:orgId/pricing). */
export interface PricingContext {
  catalog: Catalog;
  tier: TierLimits;
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
  projectResetsAt?: string | null | undefined;
  /** Models I may use: null for all. */
  allowedModels: readonly string[] | null;
  /** Whether this server runs a model for an operation (GET /api/providers); absent: every one. */
  isAvailable?: ((modelId: string, operation: string) => boolean) | undefined;
  canGenerate: boolean;
  /** The tier's limits (absent: none), with my jobs queued or running now. */
  tier?: TierLimits | undefined;
  activeJobs?: number;
  /** Free-tier units the org has used this period. */
  usage?: Usage;
}

export interface Draft {
  /** The document's shared settings, whatever two editors left in them. */
  settings: WorkspaceSettings & { searchPrompt?: unknown };
  prompt: string;
  /** Inpaint: the share of the image the mask covers (0 to 1), as the server will measure it. */
  maskCoverage?: number | undefined;
  /** The source image's size, once its details are loaded. */
  sourceSize?: { width: number; height: number } | undefined;
}

export interface Assessment {
  /** Exactly what submit will price and run (built by @atelier/pricing's buildRequest). */
  request: Record<string, unknown>;
  estimate: EstimateResult;
  blockers: Blocker[];
  /** Settings that fit what I can spend, when the current ones do not (and some do). */
  suggestion: Extract<CheaperSuggestion, { ok: true }> | undefined;
  /** The most I can spend now: the tightest of pool, budget and project. */
  spendable: number | undefined;
}

/** The request the document's settings make: the one builder the server uses for the same document. */
export function requestOf(draft: Draft, catalog: Catalog): Record<string, unknown> {
  return { ...buildRequest(draft.settings, catalog, { maskCoverage: draft.maskCoverage ?? 0, sourceSize: draft.sourceSize }).request };
}

/**
 * Prices the draft and lists everything that would stop Generate, with what to do: the one judge
 * preflight and submit use, with the limits as this page knows them live.
 */
export function assess(draft: Draft, limits: Limits, catalog: Catalog): Assessment {
  const built = buildRequest(draft.settings, catalog, { maskCoverage: draft.maskCoverage ?? 0, sourceSize: draft.sourceSize });
  const request = { ...built.request } as Record<string, unknown>;
  const known = limits.poolAvailable !== undefined && limits.budgetRemaining !== undefined;
  const verdict = judge(
    request,
    { prompt: draft.prompt, searchPrompt: typeof draft.settings.searchPrompt === 'string' ? draft.settings.searchPrompt : undefined, hasSource: built.sourceAssetId !== undefined, maskCoverage: draft.maskCoverage },
    catalog,
    limits.usage ?? {},
    {
      isAvailable: limits.isAvailable,
      allowedModels: limits.allowedModels,
      tier: limits.tier === undefined ? undefined : { ...limits.tier, activeJobs: limits.activeJobs ?? 0 },
      credits: known
        ? {
            poolAvailableCredits: limits.poolAvailable ?? 0,
            deficitCredits: 0,
            member: { remainingCredits: limits.budgetRemaining ?? null, resetsAt: limits.budgetResetsAt ?? null },
            project: limits.projectRemaining === null ? null : { remainingCredits: limits.projectRemaining, resetsAt: limits.projectResetsAt ?? null },
          }
        : undefined,
    },
  );
  const spendable = minimumDefined([limits.poolAvailable, limits.budgetRemaining ?? undefined, limits.projectRemaining ?? undefined]);
  const blockers: Blocker[] = [];
  if (!limits.canGenerate) blockers.push({ code: 'forbidden', message: 'Viewers cannot generate: ask a manager to make you a member.' });
  blockers.push(...verdict.refusals.map((refusal) => ({ code: refusal.code, field: refusal.field, message: refusal.message })));
  if (!verdict.estimate.ok) return { request, estimate: verdict.estimate, blockers, suggestion: undefined, spendable };
  if (!known) blockers.push({ code: 'loading', message: 'Reading the balances…' });
  const cost = verdict.estimate.credits;
  let suggestion: Assessment['suggestion'];
  if (spendable !== undefined && cost > spendable) {
    const cheaper = suggestCheaper(request, spendable, catalog, limits.usage ?? {});
    if (cheaper.ok && cheaper.changes.length > 0 && isAllowed(cheaper.estimate.modelId, limits.allowedModels)) suggestion = cheaper;
  }
  return { request, estimate: verdict.estimate, blockers, suggestion, spendable };
}

/**
 * The document settings that apply a suggestion, as one change: an explicit model replaces a
 * quality level, and a step count the new model does not take is removed.
 */
export function settingsFromSuggestion(request: GenerationRequest): Partial<Record<keyof CollabSettings, unknown>> {
  return {
    model: request.model,
    quality: undefined,
    width: request.width,
    height: request.height,
    steps: request.steps,
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
