import type { AssetView, GalleryPage } from '@atelier/contracts';

/** Images per page of the gallery. */
export const galleryPageSize = 30;

/**
 * What the grid showed beyond the loaded first page, for one set of filters (`key`): "Load more"
 * pages and the images a newer first page pushed down. Other filters start over.
 */
export interface ShownBelow {
  key: string;
  assets: AssetView[];
  /** The cursor after the last of them (null: there is no more). */
  cursor: string | null;
}

/**
 * The grid for the filters `key`: the first page as the load read it (a job's new images on top),
 * then what was shown below it, each image once; and the cursor "Load more" continues from.
 */
export function galleryList(first: GalleryPage | undefined, below: ShownBelow | undefined, key: string): { assets: AssetView[]; nextCursor: string | null } {
  const top = first?.assets ?? [];
  if (below === undefined || below.key !== key || below.assets.length === 0) return { assets: top, nextCursor: first?.nextCursor ?? null };
  const seen = new Set(top.map((asset) => asset.id));
  return { assets: [...top, ...below.assets.filter((asset) => !seen.has(asset.id))], nextCursor: below.cursor };
}

/** After "Load more" under the filters `key`: everything shown now, then the next page's unseen images. */
export function appendPage(shown: readonly AssetView[], next: GalleryPage, key: string): ShownBelow {
  const seen = new Set(shown.map((asset) => asset.id));
  return { key, assets: [...shown, ...next.assets.filter((asset) => !seen.has(asset.id))], cursor: next.nextCursor };
}
