import { THUMBNAIL_WIDTHS, type AssetView } from '@atelier/contracts';

type Thumbnails = AssetView['thumbnails'];

/**
 * `sizes` for the images the lists show small: a gallery card is one grid column (about 240 px on
 * a wide screen, the whole width on a phone); a queue row's result or a picker tile is smaller.
 */
export const CARD_SIZES = '(max-width: 560px) calc(100vw - 2rem), 240px';
export const ROW_SIZES = '72px';
export const TILE_SIZES = '(max-width: 560px) 45vw, 160px';
/** A workspace's result (the asset page shows the full image): the page's width on a phone, about half of it on a wide screen. */
export const PREVIEW_SIZES = '(max-width: 900px) 100vw, 55vw';

/** A `srcset` of an image's WebP thumbnails, for the browser to pick one by the shown size and the screen's density. */
export function thumbnailSrcset(thumbnails: Thumbnails): string {
  return thumbnails.map((thumbnail) => `${thumbnail.url} ${String(thumbnail.width)}w`).join(', ');
}

/** The smallest thumbnail's URL: the `src` for browsers that ignore `srcset`. */
export function thumbnailSrc(thumbnails: Thumbnails, fallback: string): string {
  return thumbnails[0]?.url ?? fallback;
}

/** The thumbnails of an image known only by its id (a queue row), at the sizes the server makes. */
export function thumbnailsOf(organizationId: string, assetId: string): Thumbnails {
  return THUMBNAIL_WIDTHS.map((width) => ({ width, url: `/api/orgs/${organizationId}/assets/${assetId}/thumbnails/${String(width)}` }));
}
