import sharp from 'sharp';
import type { ThumbnailWidth } from '@atelier/contracts';

/**
 * Widths of the WebP thumbnails made for every stored image (`THUMBNAIL_WIDTHS` in the contracts):
 * a gallery card or a queue row on a normal screen takes the first, on a high-density screen or a
 * wide card the second; a workspace's result the third (the asset page shows the full image).
 */
export { CARD_THUMBNAIL_WIDTHS, THUMBNAIL_WIDTHS, type ThumbnailWidth } from '@atelier/contracts';

/** WebP quality: at card sizes 80 is visually the same as the PNG at a twentieth of its bytes. */
const WEBP_QUALITY = 80;

/** The thumbnail's storage key, beside the image's: `orgs/o/assets/a.png` → `orgs/o/assets/a.w256.webp`. */
export function thumbnailKey(storageKey: string, width: ThumbnailWidth): string {
  return `${storageKey.replace(/\.png$/, '')}.w${String(width)}.webp`;
}

/** Scales the image to `width` (never up: a smaller image keeps its size) and encodes it as WebP. */
export async function renderThumbnail(image: Buffer, width: ThumbnailWidth): Promise<Buffer> {
  return sharp(image).resize({ width, withoutEnlargement: true }).webp({ quality: WEBP_QUALITY }).toBuffer();
}

/** The strong ETag of an asset's image, or of one of its thumbnails. Assets never change, so the id is enough. */
export function assetEtag(assetId: string, width?: ThumbnailWidth): string {
  return width === undefined ? `"${assetId}"` : `"${assetId}.w${String(width)}"`;
}

/** Whether an `If-None-Match` header names `etag` (or `*`); weak comparison, as RFC 9110 asks for GET. */
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === etag;
  });
}
