import { api, unwrap } from '../api/client.js';
import type { AssetDetail } from '../gallery/handoff.js';

/** An image never changes once stored, so its details are read once per page load. */
const details = new Map<string, Promise<AssetDetail>>();
const kept = 500;

/** GET /api/orgs/:orgId/assets/:assetId (the image's size, prompt, and the source an edit started from), cached. */
export function assetDetail(organizationId: string, assetId: string): Promise<AssetDetail> {
  const key = `${organizationId}/${assetId}`;
  const known = details.get(key);
  if (known !== undefined) return known;
  const loading: Promise<AssetDetail> = unwrap(api.GET('/api/orgs/{orgId}/assets/{assetId}', { params: { path: { orgId: organizationId, assetId } } }));
  // A failure is not remembered: the next look tries again.
  loading.catch(() => details.delete(key));
  if (details.size >= kept) details.delete(details.keys().next().value ?? '');
  details.set(key, loading);
  return loading;
}

/** Where the source sits inside an edit's result, as fractions of the result (outpaint adds margins; other edits fill it). */
export interface SourcePlacement {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The source's place in the result: an outpaint's source sits inside the expanded canvas at its
 * left and top margins (whatever size the provider returned, the proportions hold); every other
 * edit and upscale covers the whole result.
 */
export function sourcePlacement(operation: string, source: { width: number; height: number }, request: Record<string, unknown>): SourcePlacement {
  const expansion = request.outpaint as Partial<Record<'left' | 'right' | 'top' | 'bottom', number>> | undefined;
  if (operation !== 'outpaint' || expansion === undefined) return { left: 0, top: 0, width: 1, height: 1 };
  const side = (name: 'left' | 'right' | 'top' | 'bottom'): number => {
    const pixels = expansion[name] ?? 0;
    return Number.isFinite(pixels) && pixels > 0 ? pixels : 0;
  };
  const totalWidth = source.width + side('left') + side('right');
  const totalHeight = source.height + side('top') + side('bottom');
  return { left: side('left') / totalWidth, top: side('top') / totalHeight, width: source.width / totalWidth, height: source.height / totalHeight };
}
