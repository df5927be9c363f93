import type { Catalog, SizeRules } from './catalog.js';
import type { CatalogIndex, IndexedModel, IndexedOffer } from './catalog-index.js';
import { checkWholeNumber, isError } from './check-number.js';
import { estimate, priceUntrusted } from './estimate.js';
import type { EstimateFailure, EstimateSuccess } from './estimate-result.js';
import { operationLabel } from './operation.js';
import { outpaintSides, type GenerationRequest, type OutpaintSide } from './request.js';
import { fitsSizeRules, megapixelsToPixels } from './size.js';
import { pricedSize, unitCredits, unitWord } from './unit-price.js';
import { freeUnitsUsed } from './usage.js';
import type { ResolvedRequest } from './validate-request.js';

export interface SettingChange {
  /** Request field: `model`, `width`, `height`, `steps`, `variations`, `outpaint.right`, … */
  readonly field: string;
  readonly from: string | number | undefined;
  readonly to: string | number | undefined;
}

export type CheaperSuggestion =
  | {
      readonly ok: true;
      /** The settings to offer, complete, with an explicit model. */
      readonly request: GenerationRequest;
      readonly estimate: EstimateSuccess;
      /** Empty when the request already fits. */
      readonly changes: readonly SettingChange[];
      /** For the "reduce the cost" message: "To fit 40 credits: 768×768 instead of 1024×1024 (29 credits)". */
      readonly hint: string;
    }
  | EstimateFailure;

// How far a candidate is from the request: the squared logarithm of each cut (so halving the size
// and halving the steps is closer than quartering either), plus one for another model. Fewer images
// is the last resort, outside this measure: the count drops only as far as it must.
const modelChangeDistance = 1;
/** Sides are scaled down in sixteenths: fine enough to land near a budget, few enough to be quick. */
const scaleSteps = 16;

interface Candidate {
  readonly request: ResolvedRequest;
  readonly credits: number;
  readonly distance: number;
}

/**
 * The settings closest to a request that fit a budget: a smaller size (or expansion), fewer
 * steps, a cheaper model, and only then fewer images. Edits keep their source image, so for them
 * only the model and the count can change.
 */
export function suggestCheaper(request: unknown, maxCredits: number, catalog: Catalog, usage?: unknown): CheaperSuggestion {
  const current = priceUntrusted(request, catalog, usage);
  if (!current.ok) return current;
  const budget = checkWholeNumber(maxCredits, 'maxCredits', { min: 0, max: Number.MAX_SAFE_INTEGER, unit: 'credits' });
  if (isError(budget)) return { ok: false, errors: [budget] };
  const original = current.request;
  if (current.estimate.credits <= budget) {
    const hint = `Fits ${formatBudget(budget, catalog)} as it is`;
    return { ok: true, request: toGenerationRequest(original), estimate: current.estimate, changes: [], hint };
  }
  const best = cheapestCloseCandidate(original, budget, current.index, usage);
  if (best === undefined) {
    const message = `No settings for this ${operationLabel(original.operation)} fit ${formatBudget(budget, catalog)}`;
    return { ok: false, errors: [{ field: 'maxCredits', code: 'no_cheaper_settings', message }] };
  }
  const suggested = toGenerationRequest(best.request);
  // Priced again from the plain request, exactly as the server will price it.
  const priced = estimate(suggested, catalog, usage);
  if (!priced.ok) return priced;
  const changes = changesBetween(original, best.request);
  return { ok: true, request: suggested, estimate: priced, changes, hint: hintFor(changes, original, best.request, priced.credits, budget, catalog) };
}

function cheapestCloseCandidate(original: ResolvedRequest, budget: number, index: CatalogIndex, usage: unknown): Candidate | undefined {
  const modelIds = index.modelIdsByOperation.get(original.operation) ?? [];
  const options = [original.model, ...modelIds.flatMap((id) => (id === original.model.model.id ? [] : (index.models.get(id) ?? [])))].flatMap(
    (model) => optionsFor(original, model, usage) ?? [],
  );
  const variations = Math.max(0, ...options.map((option) => mostImagesWithin(option, original, budget)));
  let best: Candidate | undefined;
  if (variations === 0) return best;
  for (const option of options) {
    for (const candidate of candidatesFor(original, option, variations, budget)) {
      if (best === undefined || isCloser(candidate, best)) best = candidate;
    }
  }
  return best;
}

function isCloser(candidate: Candidate, best: Candidate): boolean {
  if (candidate.distance !== best.distance) return candidate.distance < best.distance;
  return candidate.credits > best.credits;
}

/** What one model can vary for a request: its sizes (largest first), its steps, its free units left. */
interface ModelOption {
  readonly model: IndexedModel;
  readonly offer: IndexedOffer;
  readonly sizes: readonly SizeChoice[];
  readonly steps: StepChoices | undefined;
  readonly remainingFree: number;
}

interface StepChoices {
  readonly bottom: number;
  readonly top: number;
  /** The step count the request asked for (or the model's default), against which a cut is measured. */
  readonly reference: number;
}

function optionsFor(original: ResolvedRequest, model: IndexedModel, usage: unknown): ModelOption | undefined {
  const offer = model.offers.get(original.operation);
  if (offer === undefined) return undefined;
  const sizes = sizesFor(original, offer.size);
  if (sizes.length === 0) return undefined;
  const allowance = offer.pricing.freeAllowance;
  const used = freeUnitsUsed(usage, allowance);
  const remainingFree = allowance === undefined || isError(used) ? 0 : Math.max(0, allowance.units - used);
  return { model, offer, sizes, steps: stepsFor(original, model), remainingFree };
}

/** The most images (up to the request's) this model can make within the budget at its cheapest settings. */
function mostImagesWithin(option: ModelOption, original: ResolvedRequest, budget: number): number {
  const smallest = option.sizes[option.sizes.length - 1];
  if (smallest === undefined) return 0;
  const cheapest = unitCredits({ ...original, model: option.model, offer: option.offer, ...smallest, steps: option.steps?.bottom });
  return Math.min(original.variations, option.remainingFree + Math.floor(budget / cheapest));
}

/** For one model and image count: at each size, the most steps that fit the budget. */
function* candidatesFor(original: ResolvedRequest, option: ModelOption, variations: number, budget: number): Generator<Candidate> {
  const paidImages = Math.max(0, variations - option.remainingFree);
  const originalPixels = area(pricedSize(original));
  const stepChoices = option.steps;
  for (const size of option.sizes) {
    const base: ResolvedRequest = { ...original, model: option.model, offer: option.offer, ...size, variations, steps: stepChoices?.top };
    const steps = stepChoices === undefined ? undefined : mostStepsWithin(base, stepChoices.bottom, stepChoices.top, paidImages, budget);
    if (stepChoices !== undefined && steps === undefined) continue;
    const request = { ...base, steps };
    const credits = paidImages * unitCredits(request);
    if (credits > budget) continue;
    const pixelCut = Math.log(originalPixels / Math.min(originalPixels, area(pricedSize(request))));
    const stepCut = steps === undefined || stepChoices === undefined ? 0 : Math.log(Math.max(1, stepChoices.reference / steps));
    const distance = (option.model === original.model ? 0 : modelChangeDistance) + pixelCut ** 2 + stepCut ** 2;
    yield { request, credits, distance };
  }
}

function stepsFor(original: ResolvedRequest, model: IndexedModel): StepChoices | undefined {
  const range = model.model.steps;
  if (range === undefined) return undefined;
  const reference = original.steps ?? range.default;
  const top = Math.max(range.minimum, Math.min(range.maximum, reference));
  return { bottom: range.minimum, top, reference };
}

/** Price only grows with steps, so a binary search finds the most that fit. */
function mostStepsWithin(base: ResolvedRequest, bottom: number, top: number, paidImages: number, budget: number): number | undefined {
  const fits = (steps: number) => paidImages * unitCredits({ ...base, steps }) <= budget;
  if (!fits(bottom)) return undefined;
  let low = bottom;
  let high = top;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  return low;
}

type SizeChoice = Pick<ResolvedRequest, 'width' | 'height' | 'expansion'>;

/** Sizes to try, largest first: the request's, scaled down in sixteenths and snapped to the rules. */
function sizesFor(original: ResolvedRequest, rules: SizeRules): SizeChoice[] {
  const { width, height, expansion } = original;
  if (original.operation !== 'text-to-image' && !fitsSizeRules(width, height, rules)) return [];
  const choices: SizeChoice[] = [];
  const seen = new Set<string>();
  for (let step = scaleSteps; step >= 1; step -= 1) {
    const choice = scaledChoice(original, rules, step / scaleSteps);
    if (choice === undefined) continue;
    const key = `${choice.width}×${choice.height}:${outpaintSides.map((side) => choice.expansion?.[side] ?? 0).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    choices.push(choice);
    if (original.operation !== 'text-to-image' && expansion === undefined) break;
  }
  return choices;
}

function scaledChoice(original: ResolvedRequest, rules: SizeRules, scale: number): SizeChoice | undefined {
  const { width, height, expansion } = original;
  if (expansion !== undefined) {
    const scaled = { left: 0, right: 0, top: 0, bottom: 0 };
    for (const side of outpaintSides) scaled[side] = snapDown(expansion[side] * scale, rules.multipleOf);
    const finalWidth = width + scaled.left + scaled.right;
    const finalHeight = height + scaled.top + scaled.bottom;
    const grows = outpaintSides.some((side) => scaled[side] > 0);
    return grows && fitsSizeRules(finalWidth, finalHeight, rules) ? { width, height, expansion: scaled } : undefined;
  }
  if (original.operation !== 'text-to-image') return { width, height, expansion };
  // Fit the request into this model's bounds first, keeping its aspect ratio, then scale.
  const fit = Math.min(1, rules.maximumSide / Math.max(width, height), Math.sqrt(megapixelsToPixels(rules.maximumMegapixels) / (width * height)));
  const smallest = Math.ceil(rules.minimumSide / rules.multipleOf) * rules.multipleOf;
  const scaledWidth = Math.max(smallest, snapDown(width * fit * scale, rules.multipleOf));
  const scaledHeight = Math.max(smallest, snapDown(height * fit * scale, rules.multipleOf));
  return fitsSizeRules(scaledWidth, scaledHeight, rules) ? { width: scaledWidth, height: scaledHeight, expansion } : undefined;
}

function snapDown(value: number, multiple: number): number {
  return Math.floor(value / multiple) * multiple;
}

function area(size: { readonly width: number; readonly height: number }): number {
  return size.width * size.height;
}

function toGenerationRequest(request: ResolvedRequest): GenerationRequest {
  return {
    operation: request.operation,
    model: request.model.model.id,
    width: request.width,
    height: request.height,
    variations: request.variations,
    ...(request.steps === undefined ? {} : { steps: request.steps }),
    ...(request.maskCoveragePercent === undefined ? {} : { mask: { coverage: request.maskCoveragePercent / 100 } }),
    ...(request.expansion === undefined ? {} : { outpaint: { ...request.expansion } }),
  };
}

function changesBetween(from: ResolvedRequest, to: ResolvedRequest): SettingChange[] {
  const pairs: [string, string | number | undefined, string | number | undefined][] = [
    ['model', from.model.model.id, to.model.model.id],
    ['width', from.width, to.width],
    ['height', from.height, to.height],
    ['steps', from.steps, to.steps],
    ['variations', from.variations, to.variations],
    ...outpaintSides.map((side: OutpaintSide): [string, number | undefined, number | undefined] => [`outpaint.${side}`, from.expansion?.[side], to.expansion?.[side]]),
  ];
  return pairs.filter(([, before, after]) => before !== after).map(([field, before, after]) => ({ field, from: before, to: after }));
}

function hintFor(changes: readonly SettingChange[], from: ResolvedRequest, to: ResolvedRequest, credits: number, budget: number, catalog: Catalog): string {
  const parts: string[] = [];
  if (from.model !== to.model) parts.push(`${to.model.model.name} instead of ${from.model.model.name}`);
  if (from.width !== to.width || from.height !== to.height) parts.push(`${to.width}×${to.height} instead of ${from.width}×${from.height}`);
  for (const change of changes) {
    if (change.field.startsWith('outpaint.')) parts.push(`${change.field.slice('outpaint.'.length)} expansion ${change.to ?? 0} px instead of ${change.from ?? 0}`);
  }
  if (from.steps !== to.steps && to.steps !== undefined) parts.push(from.steps === undefined ? `${to.steps} steps` : `${to.steps} steps instead of ${from.steps}`);
  if (from.variations !== to.variations) parts.push(`${to.variations} images instead of ${from.variations}`);
  return `To fit ${formatBudget(budget, catalog)}: ${parts.join(', ')} (${credits} ${unitWord(credits, catalog.unit)})`;
}

function formatBudget(budget: number, catalog: Catalog): string {
  return `${budget} ${unitWord(budget, catalog.unit)}`;
}

