import { collabFields, collabSettingKeys, type CollabMaskStroke, type CollabSettings, type SubmitJobRequest } from '@atelier/contracts';
import { Y, type YDoc } from './hocuspocus-runtime.js';

/** What a job needs from a workspace document. */
export interface WorkspaceSnapshot {
  prompt: string;
  negativePrompt: string;
  settings: CollabSettings;
  mask: CollabMaskStroke[];
}

export function snapshotOf(document: YDoc): WorkspaceSnapshot {
  const settingsMap = document.getMap<unknown>(collabFields.settings);
  const settings: Record<string, unknown> = {};
  for (const key of collabSettingKeys) {
    const value = settingsMap.get(key);
    if (value !== undefined && value !== null) settings[key] = value;
  }
  const mask = document
    .getArray<unknown>(collabFields.mask)
    .toArray()
    .map((stroke) => (stroke instanceof Y.Map ? (stroke.toJSON() as unknown) : stroke))
    .filter(isStroke);
  return {
    prompt: document.getText(collabFields.prompt).toJSON(),
    negativePrompt: document.getText(collabFields.negativePrompt).toJSON(),
    settings,
    mask,
  };
}

export function snapshotOfState(state: Uint8Array | null): WorkspaceSnapshot {
  const document = new Y.Doc();
  if (state !== null) Y.applyUpdate(document, state);
  const snapshot = snapshotOf(document);
  document.destroy();
  return snapshot;
}

function isStroke(value: unknown): value is CollabMaskStroke {
  if (typeof value !== 'object' || value === null) return false;
  const stroke = value as Record<string, unknown>;
  return (stroke.tool === 'brush' || stroke.tool === 'eraser') && typeof stroke.width === 'number' && Array.isArray(stroke.points) && stroke.points.every((point) => typeof point === 'number');
}

const REQUEST_SETTINGS = ['operation', 'model', 'quality', 'width', 'height', 'steps', 'variations', 'outpaint'] as const;

/** A submit body with a workspace's document applied, and the shared settings its request is built from. */
export interface AppliedDocument {
  body: SubmitJobRequest;
  /**
   * The document's settings as it holds them (any value two editors left); the body's request is
   * not used: @atelier/pricing's buildRequest makes the one request from these, as the browser does.
   */
  settings: Record<string, unknown>;
}

/**
 * The submit body with the workspace document applied. The document WINS over the body (a
 * non-empty prompt, the settings, a non-empty mask): what the users see together is what is
 * generated. The prompt, negative prompt, search text and mask the document lacks come from the body.
 */
export function applySnapshot(body: SubmitJobRequest, snapshot: WorkspaceSnapshot): AppliedDocument {
  // The document's settings alone make the request, exactly as the browser builds it from them.
  const settings: Record<string, unknown> = {};
  for (const key of REQUEST_SETTINGS) {
    const value = snapshot.settings[key];
    if (value !== undefined) settings[key] = value;
  }
  const prompt = snapshot.prompt.trim();
  const searchPrompt = typeof snapshot.settings.searchPrompt === 'string' ? snapshot.settings.searchPrompt.trim() : '';
  return {
    settings,
    body: {
      ...body,
      prompt: prompt.length > 0 ? prompt : body.prompt,
      ...(snapshot.negativePrompt.length > 0 ? { negativePrompt: snapshot.negativePrompt } : {}),
      ...(searchPrompt.length > 0 ? { searchPrompt } : {}),
      ...(snapshot.settings.seed === undefined ? {} : { seed: snapshot.settings.seed }),
      ...(snapshot.settings.sourceAssetId === undefined ? {} : { sourceAssetId: snapshot.settings.sourceAssetId }),
      ...(snapshot.mask.length > 0 ? { maskStrokes: snapshot.mask } : {}),
    },
  };
}
