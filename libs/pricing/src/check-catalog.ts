import type { Catalog, CatalogModel, FreeAllowance, PricingRule, SizeRules } from './catalog.js';
import type { CatalogIssue } from './errors.js';
import { operations, qualityLevels, type Operation } from './operation.js';
import { fitsSizeRules, megapixelsToPixels } from './size.js';

/**
 * The rules that relate one part of a well-shaped catalog to another. Each issue names the path at
 * fault, so whoever edits the JSON lands on the line to fix.
 */
export function checkCatalog(catalog: Catalog): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  const modelsById = new Map<string, CatalogModel>();
  const allowances = new Map<string, { allowance: FreeAllowance; path: string }>();
  catalog.models.forEach((model, index) => {
    const path = `models.${index}`;
    if (modelsById.has(model.id)) issues.push({ path: `${path}.id`, message: `duplicate model id "${model.id}"` });
    modelsById.set(model.id, model);
    issues.push(...checkModel(model, path, catalog.minimumCredits));
    for (const [operation, offer] of offersOf(model)) {
      const allowance = offer.pricing.freeAllowance;
      if (allowance === undefined) continue;
      const allowancePath = `${path}.operations.${operation}.pricing.freeAllowance`;
      const earlier = allowances.get(allowance.id);
      if (earlier === undefined) allowances.set(allowance.id, { allowance, path: allowancePath });
      else if (earlier.allowance.units !== allowance.units || earlier.allowance.period !== allowance.period) {
        issues.push({ path: allowancePath, message: `free allowance "${allowance.id}" differs from the one at ${earlier.path}` });
      }
    }
  });
  for (const operation of operations) {
    const modelId = catalog.defaultModels[operation];
    if (modelId !== undefined) issues.push(...checkReference(modelsById, modelId, operation, `defaultModels.${operation}`));
  }
  for (const level of qualityLevels) {
    const picks = catalog.qualityLevels[level] ?? {};
    for (const operation of operations) {
      const modelId = picks[operation];
      if (modelId !== undefined) issues.push(...checkReference(modelsById, modelId, operation, `qualityLevels.${level}.${operation}`));
    }
  }
  return issues;
}

/** The operations a model offers, in the fixed order of `operations`. */
export function offersOf(model: CatalogModel) {
  return operations.flatMap((operation) => {
    const offer = model.operations[operation];
    return offer === undefined ? [] : [[operation, offer] as const];
  });
}

function checkReference(modelsById: ReadonlyMap<string, CatalogModel>, modelId: string, operation: Operation, path: string): CatalogIssue[] {
  const model = modelsById.get(modelId);
  if (model === undefined) return [{ path, message: `no model "${modelId}" in this catalog` }];
  if (model.operations[operation] === undefined) return [{ path, message: `model "${modelId}" does not offer ${operation}` }];
  return [];
}

function checkModel(model: CatalogModel, path: string, catalogMinimumCredits: number): CatalogIssue[] {
  const issues = checkSizeRules(model.size, `${path}.size`);
  const steps = model.steps;
  if (steps !== undefined && !(steps.minimum <= steps.default && steps.default <= steps.maximum)) {
    issues.push({ path: `${path}.steps`, message: 'needs minimum ≤ default ≤ maximum' });
  }
  const offers = offersOf(model);
  if (offers.length === 0) issues.push({ path: `${path}.operations`, message: 'a model must offer at least one operation' });
  for (const [operation, offer] of offers) {
    const offerPath = `${path}.operations.${operation}`;
    if (offer.size !== undefined) issues.push(...checkSizeRules(offer.size, `${offerPath}.size`));
    issues.push(...checkPricing(offer.pricing, operation, model, `${offerPath}.pricing`, catalogMinimumCredits));
  }
  const rules = model.size;
  (model.sizePresets ?? []).forEach((preset, index) => {
    if (!fitsSizeRules(preset.width, preset.height, rules)) {
      issues.push({ path: `${path}.sizePresets.${index}`, message: `${preset.width}×${preset.height} breaks the model's size rules` });
    }
  });
  return issues;
}

function checkSizeRules(rules: SizeRules, path: string): CatalogIssue[] {
  const smallestSide = Math.ceil(rules.minimumSide / rules.multipleOf) * rules.multipleOf;
  if (smallestSide > rules.maximumSide) {
    return [{ path, message: `no multiple of ${rules.multipleOf} lies between minimumSide and maximumSide` }];
  }
  if (smallestSide * smallestSide > megapixelsToPixels(rules.maximumMegapixels)) {
    return [{ path: `${path}.maximumMegapixels`, message: 'smaller than the smallest allowed square' }];
  }
  return [];
}

function checkPricing(rule: PricingRule, operation: Operation, model: CatalogModel, path: string, catalogMinimumCredits: number): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  if (rule.minimumCredits !== undefined && rule.minimumCredits < catalogMinimumCredits) {
    issues.push({ path: `${path}.minimumCredits`, message: `below the catalog's minimumCredits (${catalogMinimumCredits})` });
  }
  if (rule.kind === 'per-megapixel-step') {
    if (model.steps === undefined) issues.push({ path, message: 'per-megapixel-step pricing needs the model to declare steps' });
    if (rule.maskSurchargePercent !== undefined && operation !== 'inpaint') {
      issues.push({ path: `${path}.maskSurchargePercent`, message: 'only inpaint has a mask' });
    }
  }
  if (rule.kind === 'size-tiers') {
    rule.tiers.forEach((tier, index) => {
      const previous = rule.tiers[index - 1];
      const isLast = index === rule.tiers.length - 1;
      if (isLast !== (tier.upToMegapixels === undefined)) {
        issues.push({ path: `${path}.tiers.${index}`, message: 'only the last tier, and always it, has no upToMegapixels' });
      }
      if (previous === undefined) return;
      if (tier.upToMegapixels !== undefined && previous.upToMegapixels !== undefined && tier.upToMegapixels <= previous.upToMegapixels) {
        issues.push({ path: `${path}.tiers.${index}.upToMegapixels`, message: 'tiers must rise in size' });
      }
      if (tier.credits < previous.credits) {
        issues.push({ path: `${path}.tiers.${index}.credits`, message: 'a larger tier may not cost less' });
      }
    });
  }
  return issues;
}
