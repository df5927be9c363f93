import type { Catalog } from './catalog.js';
import { formatCredits } from './catalog-queries.js';
import { estimate } from './estimate.js';
import type { EstimateResult, EstimateSuccess } from './estimate-result.js';
import { isOperation, operationLabel } from './operation.js';
import { operationInputs } from './operation-inputs.js';
import type { Usage } from './request.js';

/** What a subscription tier allows; `null` means no restriction. */
export interface TierLimits {
  readonly name: string;
  readonly allowedModels: readonly string[] | null;
  readonly maxImagesPerJob: number | null;
  /** Jobs a member may have queued or running at once. */
  readonly maxConcurrentJobs: number | null;
}

/** Everything that may stop a generation, as read at one moment. */
export interface SpendingLimits {
  /** Whether this server can run a model for an operation (a configured provider serves it); absent: every one. */
  readonly isAvailable?: ((modelId: string, operation: string) => boolean) | undefined;
  /** Models the member's budget allows; null for every model. */
  readonly allowedModels: readonly string[] | null;
  readonly tier?: (TierLimits & { readonly activeJobs: number }) | undefined;
  /** What each credit limit has left. Absent where the ledger's hold checks them atomically (submit). */
  readonly credits?: CreditLimits | undefined;
}

export interface CreditLimits {
  readonly poolAvailableCredits: number;
  /** Credits a refund or dispute took back after they were spent: new spending waits for it. */
  readonly deficitCredits: number;
  readonly member: { readonly remainingCredits: number | null; readonly resetsAt: string | null };
  /** null when the job is in no project, or the project has no budget. */
  readonly project: { readonly remainingCredits: number | null; readonly resetsAt: string | null } | null;
}

/** A credit limit that binds, with its figures: what the judge finds, or what the ledger refused a hold for. */
export type CreditShortfall =
  | { readonly code: 'deficit_outstanding'; readonly deficitCredits: number }
  | { readonly code: 'insufficient_credits'; readonly availableCredits: number }
  | { readonly code: 'budget_exceeded' | 'project_budget_exceeded'; readonly remainingCredits: number; readonly resetsAt: string | null };

/** The inputs besides the pricing request that an operation may need. */
export interface JobInputs {
  readonly prompt: string;
  readonly searchPrompt?: string | undefined;
  readonly hasSource: boolean;
  /** Inpaint: the share of the image the mask covers (0 to 1). */
  readonly maskCoverage?: number | undefined;
}

export type RefusalCode =
  | 'invalid_request'
  | 'model_unavailable'
  | 'model_not_allowed'
  | 'tier_limit'
  | 'deficit_outstanding'
  | 'insufficient_credits'
  | 'budget_exceeded'
  | 'project_budget_exceeded';

export interface Refusal {
  readonly code: RefusalCode;
  /** The field at fault, as an API error names it (`request.width`, `prompt`). */
  readonly field?: string;
  /** A sentence that says what is wrong and what to do next. */
  readonly message: string;
  /** The figures behind it (credits available and requested, when a budget resets). */
  readonly figures?: Readonly<Record<string, number | string | null>>;
}

export interface Judgement {
  readonly estimate: EstimateResult;
  readonly allowed: boolean;
  /** Every reason the job cannot run now, in the order a hold checks them. */
  readonly refusals: readonly Refusal[];
}

/** HTTP status of a refusal: 400 bad input, 409 not on this server, 403 not permitted, 402 not enough credits. */
export function refusalStatus(code: RefusalCode): 400 | 402 | 403 | 409 {
  if (code === 'invalid_request') return 400;
  if (code === 'model_unavailable') return 409;
  if (code === 'model_not_allowed' || code === 'tier_limit') return 403;
  return 402;
}

/**
 * The one verdict on a generation: its price (free tiers included) and whether the pool, the
 * member's and the project's budgets, the allowed models and the tier let it run. The browser's
 * cost line, preflight and submit all ask this function.
 */
export function judge(request: unknown, inputs: JobInputs | undefined, catalog: Catalog, usage: Usage, limits: SpendingLimits): Judgement {
  const priced = estimate(request, catalog, usage);
  const refusals: Refusal[] = inputs === undefined ? [] : inputRefusals(request, inputs);
  if (!priced.ok) {
    const priceRefusals = priced.errors.map((error) => ({ code: 'invalid_request' as const, field: `request.${error.field}`, message: `${error.message}.` }));
    return { estimate: priced, allowed: false, refusals: [...priceRefusals, ...refusals] };
  }
  refusals.push(...permissionRefusals(priced, catalog, limits));
  if (limits.credits !== undefined) {
    refusals.push(...creditShortfalls(priced.credits, limits.credits).map((shortfall) => creditRefusal(shortfall, priced.credits, catalog)));
  }
  return { estimate: priced, allowed: refusals.length === 0, refusals };
}

function inputRefusals(request: unknown, inputs: JobInputs): Refusal[] {
  const operation = typeof request === 'object' && request !== null ? (request as { operation?: unknown }).operation : undefined;
  if (!isOperation(operation)) return [];
  const needs = operationInputs(operation);
  const label = operationLabel(operation);
  const refusals: Refusal[] = [];
  if (needs.prompt && inputs.prompt.trim() === '') {
    refusals.push({ code: 'invalid_request', field: 'prompt', message: operation === 'text-to-image' ? 'Write a prompt first.' : `Write a prompt: ${label} needs one.` });
  }
  if (needs.searchPrompt && (inputs.searchPrompt ?? '').trim() === '') {
    refusals.push({ code: 'invalid_request', field: 'searchPrompt', message: `Say what to search for in the image (${label}).` });
  }
  if (needs.source && !inputs.hasSource) {
    refusals.push({ code: 'invalid_request', field: 'sourceAssetId', message: `Choose a source image from the gallery: ${label} works on an image.` });
  }
  if (needs.mask && (inputs.maskCoverage ?? 0) <= 0) {
    refusals.push({ code: 'invalid_request', field: 'maskStrokes', message: 'Paint the area to change on the mask.' });
  }
  return refusals;
}

function permissionRefusals(priced: EstimateSuccess, catalog: Catalog, limits: SpendingLimits): Refusal[] {
  const refusals: Refusal[] = [];
  const name = (id: string): string => catalog.models.find((model) => model.id === id)?.name ?? id;
  if (limits.isAvailable !== undefined && !limits.isAvailable(priced.modelId, priced.operation)) {
    refusals.push({
      code: 'model_unavailable',
      field: 'request.model',
      message: `${name(priced.modelId)} is not available on this server for ${operationLabel(priced.operation)}: no configured provider runs it. Pick another model.`,
    });
  }
  if (limits.allowedModels !== null && !limits.allowedModels.includes(priced.modelId)) {
    const choices = limits.allowedModels.map(name).join(', ');
    refusals.push({
      code: 'model_not_allowed',
      field: 'request.model',
      message: `Your budget does not include ${name(priced.modelId)}. Pick one of: ${choices === '' ? 'none (ask a manager)' : choices}.`,
    });
  }
  const tier = limits.tier;
  if (tier === undefined) return refusals;
  if (tier.allowedModels !== null && !tier.allowedModels.includes(priced.modelId)) {
    refusals.push({ code: 'tier_limit', field: 'request.model', message: `The ${tier.name} plan does not include ${name(priced.modelId)}. Pick another model, or ask an owner to upgrade the plan.` });
  }
  const images = priced.lineItems.reduce((sum, item) => sum + item.quantity, 0);
  if (tier.maxImagesPerJob !== null && images > tier.maxImagesPerJob) {
    refusals.push({
      code: 'tier_limit',
      field: 'request.variations',
      message: `The ${tier.name} plan makes at most ${String(tier.maxImagesPerJob)} images per job; this asks for ${String(images)}. Ask for fewer, or ask an owner to upgrade the plan.`,
      figures: { maxImagesPerJob: tier.maxImagesPerJob, requestedImages: images },
    });
  }
  if (tier.maxConcurrentJobs !== null && tier.activeJobs >= tier.maxConcurrentJobs) {
    refusals.push({
      code: 'tier_limit',
      message: `The ${tier.name} plan runs at most ${String(tier.maxConcurrentJobs)} of your jobs at once. Wait for one to finish, or ask an owner to upgrade the plan.`,
      figures: { maxConcurrentJobs: tier.maxConcurrentJobs, activeJobs: tier.activeJobs },
    });
  }
  return refusals;
}

const reduce = 'Reduce the cost (a smaller size, fewer steps or images, a cheaper model)';

/** The credit limits that bind on a price, in the order a hold checks them. */
function creditShortfalls(cost: number, limits: CreditLimits): CreditShortfall[] {
  if (cost === 0) return []; // wholly covered by a free allowance: no hold, nothing to check
  const shortfalls: CreditShortfall[] = [];
  if (limits.deficitCredits > 0) shortfalls.push({ code: 'deficit_outstanding', deficitCredits: limits.deficitCredits });
  if (limits.poolAvailableCredits < cost) shortfalls.push({ code: 'insufficient_credits', availableCredits: limits.poolAvailableCredits });
  const { member, project } = limits;
  if (member.remainingCredits !== null && member.remainingCredits < cost) {
    shortfalls.push({ code: 'budget_exceeded', remainingCredits: member.remainingCredits, resetsAt: member.resetsAt });
  }
  if (project !== null && project.remainingCredits !== null && project.remainingCredits < cost) {
    shortfalls.push({ code: 'project_budget_exceeded', remainingCredits: project.remainingCredits, resetsAt: project.resetsAt });
  }
  return shortfalls;
}

/** The words and figures of a credit limit that binds; the same for the judge and a refused hold. */
export function creditRefusal(shortfall: CreditShortfall, cost: number, catalog: Catalog): Refusal {
  const amount = (credits: number): string => formatCredits(credits, catalog);
  switch (shortfall.code) {
    case 'deficit_outstanding':
      return {
        code: shortfall.code,
        message: `A refund or dispute took back ${amount(shortfall.deficitCredits)} that were already spent. Generations are paused until an owner adds credits (they pay the deficit off first).`,
        figures: { deficitCredits: shortfall.deficitCredits },
      };
    case 'insufficient_credits':
      return {
        code: shortfall.code,
        message: `The team pool has ${amount(shortfall.availableCredits)} available; this costs ${amount(cost)}. ${reduce}, or ask an owner to buy credits.`,
        figures: { availableCredits: shortfall.availableCredits, requestedCredits: cost },
      };
    default: {
      const whose = shortfall.code === 'budget_exceeded' ? 'your budget' : "the project's budget";
      const resets = shortfall.resetsAt === null ? '' : ` (it resets ${shortfall.resetsAt.slice(0, 16).replace('T', ' ')} UTC)`;
      return {
        code: shortfall.code,
        message: `This costs ${amount(cost)} and ${whose} has ${amount(shortfall.remainingCredits)} left${resets}. ${reduce}, or ask a manager to raise the limit.`,
        figures: { remainingCredits: shortfall.remainingCredits, requestedCredits: cost, resetsAt: shortfall.resetsAt },
      };
    }
  }
}
