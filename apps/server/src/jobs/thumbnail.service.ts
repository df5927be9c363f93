import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AssetStorage } from '../storage/storage.js';
import { CARD_THUMBNAIL_WIDTHS, renderThumbnail, THUMBNAIL_WIDTHS, thumbnailKey, type ThumbnailWidth } from './thumbnails.js';
import { ASSET_STORAGE } from '../repositories/tokens.js';

/**
 * WebP thumbnails stored beside each image in the asset storage (local disk or S3). Made when an
 * image is stored; an image stored before thumbnails existed (or whose thumbnail failed) gets
 * them made from the original on first request.
 */
@Injectable()
export class ThumbnailService {
  private readonly logger = new Logger('Thumbnails');

  constructor(@Inject(ASSET_STORAGE) private readonly storage: AssetStorage) {}

  /** Makes and stores the card sizes (the preview size waits for its first request). Never throws: a thumbnail that fails now is made on first request. */
  async storeFor(storageKey: string, image: Buffer): Promise<void> {
    await Promise.all(
      CARD_THUMBNAIL_WIDTHS.map(async (width) => {
        try {
          await this.storage.put(thumbnailKey(storageKey, width), await renderThumbnail(image, width), 'image/webp');
        } catch (error) {
          this.logger.warn(`thumbnail ${String(width)} of ${storageKey} not made now (it will be on first request): ${String(error)}`);
        }
      }),
    );
  }

  /** The stored thumbnail, made (and stored) from the original when missing; undefined when the original is gone too. */
  async get(storageKey: string, width: ThumbnailWidth): Promise<Buffer | undefined> {
    const key = thumbnailKey(storageKey, width);
    const stored = await this.storage.get(key);
    if (stored !== undefined) return stored;
    const original = await this.storage.get(storageKey);
    if (original === undefined) return undefined;
    const made = await renderThumbnail(original, width);
    await this.storage.put(key, made, 'image/webp');
    return made;
  }

  /** Deletes the image and its thumbnails (missing ones are fine). */
  async deleteWithThumbnails(storageKey: string): Promise<void> {
    await Promise.all([storageKey, ...THUMBNAIL_WIDTHS.map((width) => thumbnailKey(storageKey, width))].map((key) => this.storage.delete(key)));
  }
}
