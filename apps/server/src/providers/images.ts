import sharp from 'sharp';
import { ProviderError } from './provider.js';

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif' | 'unknown';

/** The container format by magic bytes. */
export function sniffImageFormat(bytes: Buffer): ImageFormat {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (bytes.length >= 6 && bytes.toString('latin1', 0, 3) === 'GIF') return 'gif';
  return 'unknown';
}

export interface PngImage {
  png: Buffer;
  width: number;
  height: number;
}

export interface ToPngOptions {
  /** Resize to exactly this size when the image differs (`cover`: scaled and centre-cropped). */
  size?: { width: number; height: number };
  /** Message prefix naming the provider. */
  label: string;
}

/**
 * A provider's image bytes (PNG, JPEG or WebP) as a PNG, optionally brought to an exact size.
 * Bytes that do not decode are the provider's fault: 'server_error'.
 */
export async function toPng(bytes: Buffer, options: ToPngOptions): Promise<PngImage> {
  const format = sniffImageFormat(bytes);
  if (format === 'unknown') {
    throw new ProviderError('server_error', `${options.label}: the result is not an image (${bytes.length} bytes)`);
  }
  try {
    const metadata = await sharp(bytes).metadata();
    const sameSize = options.size === undefined || (metadata.width === options.size.width && metadata.height === options.size.height);
    if (format === 'png' && sameSize) return { png: bytes, width: metadata.width, height: metadata.height };
    let pipeline = sharp(bytes);
    if (!sameSize && options.size !== undefined) {
      pipeline = pipeline.resize(options.size.width, options.size.height, { fit: 'cover', position: 'centre' });
    }
    const { data, info } = await pipeline.png().toBuffer({ resolveWithObject: true });
    return { png: data, width: info.width, height: info.height };
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    throw new ProviderError('server_error', `${options.label}: the result image does not decode: ${String(error)}`);
  }
}

/** Width and height of an encoded image; 'rejected' when the input is not an image. */
export async function imageSize(bytes: Buffer, label: string): Promise<{ width: number; height: number }> {
  try {
    const metadata = await sharp(bytes).metadata();
    return { width: metadata.width, height: metadata.height };
  } catch (error) {
    throw new ProviderError('rejected', `${label}: the source image does not decode: ${String(error)}`);
  }
}
