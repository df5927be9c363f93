import type { AssetView, CollabSettings } from '@atelier/contracts';
import { modelsForOperation, sizeRules, stepRange, type Catalog, type OutpaintExpansion } from '@atelier/pricing';

/**
 * From the gallery to a workspace: "use these settings", remix, inpaint and outpaint open a
 * workspace with `?from=<assetId>&use=<action>`. The workspace reads the asset's settings
 * (GET /api/orgs/:orgId/assets/:assetId), applies `settingsForAction` to its shared document and
 * drops the two parameters from the URL, so a reload does not apply them twice.
 */
export const galleryActions = ['settings', 'remix', 'inpaint', 'outpaint'] as const;
export type GalleryAction = (typeof galleryActions)[number];

export const galleryActionLabels: Readonly<Record<GalleryAction, string>> = {
  settings: 'Use these settings',
  remix: 'Remix',
  inpaint: 'Inpaint',
  outpaint: 'Outpaint',
};

export const galleryActionHints: Readonly<Record<GalleryAction, string>> = {
  settings: 'The same prompt, model, size, steps and seed: generating again makes this image again.',
  remix: 'The same prompt and settings with a new seed, recorded as a remix of this image.',
  inpaint: 'Paint a mask over this image and regenerate what it covers.',
  outpaint: 'Extend this image beyond its edges.',
};

const handoffParameters = { asset: 'from', action: 'use' } as const;

/** The asset's settings as GET /api/orgs/:orgId/assets/:assetId answers them. */
export interface AssetDetail {
  asset: AssetView;
  settings: {
    request: Record<string, unknown>;
    prompt: string;
    negativePrompt: string | null;
    seed: number;
    sourceAssetId?: string;
  };
}

export interface Handoff {
  assetId: string;
  action: GalleryAction;
}

/** What the workspace writes into its document. A missing `seed` means: pick a new random one. */
export interface WorkspaceSeed {
  prompt: string;
  negativePrompt: string;
  settings: CollabSettings;
  /** Remixes, inpaints and outpaints record the image they came from (submitJobRequest.parentAssetId). */
  parentAssetId?: string;
  /** Inpaint and outpaint start from an empty mask. */
  clearMask: boolean;
}

/** The query string (without `?`) that carries a hand-off to a workspace. */
export function handoffSearch(handoff: Handoff): string {
  return new URLSearchParams({ [handoffParameters.asset]: handoff.assetId, [handoffParameters.action]: handoff.action }).toString();
}

export function workspaceHref(orgId: string, workspaceId: string, handoff: Handoff): string {
  return `/orgs/${orgId}/workspaces/${workspaceId}?${handoffSearch(handoff)}`;
}

/** The hand-off a workspace URL carries, if any. */
export function readHandoff(url: URL): Handoff | undefined {
  const assetId = url.searchParams.get(handoffParameters.asset);
  const action = url.searchParams.get(handoffParameters.action);
  if (assetId === null || !/^[0-9a-f-]{36}$/i.test(assetId)) return undefined;
  if (!(galleryActions as readonly (string | null)[]).includes(action)) return undefined;
  return { assetId, action: action as GalleryAction };
}

/** The URL without the hand-off, for `replaceState` once it is applied. */
export function withoutHandoff(url: URL): URL {
  const next = new URL(url);
  next.searchParams.delete(handoffParameters.asset);
  next.searchParams.delete(handoffParameters.action);
  return next;
}

/** The document settings each action starts from. */
export function settingsForAction(detail: AssetDetail, action: GalleryAction, catalog: Catalog): WorkspaceSeed {
  const { asset, settings } = detail;
  const request = settings.request;
  const base = {
    prompt: settings.prompt,
    negativePrompt: settings.negativePrompt ?? '',
  };
  if (action === 'settings' || action === 'remix') {
    const copied: CollabSettings = {
      ...pick(request),
      variations: 1,
      ...(action === 'settings' ? { seed: settings.seed } : {}),
      ...(settings.sourceAssetId === undefined ? {} : { sourceAssetId: settings.sourceAssetId }),
    };
    return { ...base, settings: copied, clearMask: false, ...(action === 'remix' ? { parentAssetId: asset.id } : {}) };
  }
  const model = modelFor(catalog, action, asset.modelId);
  const steps = model === undefined ? undefined : stepRange(catalog, model)?.default;
  const edit: CollabSettings = {
    operation: action,
    ...(model === undefined ? {} : { model }),
    width: asset.width,
    height: asset.height,
    ...(steps === undefined ? {} : { steps }),
    variations: 1,
    sourceAssetId: asset.id,
  };
  if (action === 'outpaint') {
    const expansion = defaultExpansion(catalog, model, asset.width, asset.height);
    if (expansion !== undefined) edit.outpaint = expansion;
  }
  return { ...base, settings: edit, parentAssetId: asset.id, clearMask: true };
}

function pick(request: Record<string, unknown>): CollabSettings {
  const settings: CollabSettings = {};
  const text = (key: string): string | undefined => (typeof request[key] === 'string' ? request[key] : undefined);
  const number = (key: string): number | undefined => (typeof request[key] === 'number' ? request[key] : undefined);
  const operation = text('operation');
  const model = text('model');
  const quality = text('quality');
  const width = number('width');
  const height = number('height');
  const steps = number('steps');
  if (operation !== undefined) settings.operation = operation;
  if (model !== undefined) settings.model = model;
  if (quality !== undefined) settings.quality = quality;
  if (width !== undefined) settings.width = width;
  if (height !== undefined) settings.height = height;
  if (steps !== undefined) settings.steps = steps;
  const outpaint = request.outpaint;
  if (typeof outpaint === 'object' && outpaint !== null) {
    const sides = outpaint as Record<string, unknown>;
    const side = (key: string): number => (typeof sides[key] === 'number' ? sides[key] : 0);
    settings.outpaint = { left: side('left'), right: side('right'), top: side('top'), bottom: side('bottom') };
  }
  return settings;
}

/** The asset's own model when it offers the operation, else the cheapest model that does. */
function modelFor(catalog: Catalog, operation: 'inpaint' | 'outpaint', currentModel: string): string | undefined {
  const offering = modelsForOperation(catalog, operation);
  return (offering.find((model) => model.id === currentModel) ?? offering[0])?.id;
}

/**
 * A quarter of the width on the left and the right, in the model's size steps, shrunk until the
 * canvas fits its limits; undefined when even the smallest step does not fit (the workspace then
 * asks the user to choose).
 */
export function defaultExpansion(catalog: Catalog, model: string | undefined, width: number, height: number): Required<OutpaintExpansion> | undefined {
  if (model === undefined) return undefined;
  const rules = sizeRules(catalog, model, 'outpaint');
  if (rules === undefined) return undefined;
  const step = Math.max(1, rules.multipleOf);
  const fits = (side: number): boolean => {
    const finalWidth = width + 2 * side;
    return Math.max(finalWidth, height) <= rules.maximumSide && finalWidth * height <= Math.round(rules.maximumMegapixels * 1_000_000);
  };
  for (let side = Math.floor(width / 4 / step) * step; side >= step; side -= step) {
    if (fits(side)) return { left: side, right: side, top: 0, bottom: 0 };
  }
  return undefined;
}
