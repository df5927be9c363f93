import sharp from 'sharp';
import type { MaskStroke } from '@atelier/contracts';

export interface RenderedMask {
  /** Greyscale PNG of the source's size: white is repainted, black is kept. */
  png: Buffer;
  /** Share of pixels that are white, 0 to 1: what pricing calls mask coverage. */
  coverage: number;
}

/**
 * Renders committed strokes, in order, the way the canvas draws them: a brush paints white, an
 * eraser paints black, each a round-capped polyline of its width. The server renders the mask it
 * sends to a provider from the same strokes people saw, so what was previewed is what is sent.
 */
export async function renderMask(strokes: readonly MaskStroke[], width: number, height: number): Promise<RenderedMask> {
  const paths = strokes.map((stroke) => {
    const points: string[] = [];
    for (let index = 0; index + 1 < stroke.points.length; index += 2) {
      points.push(`${round(stroke.points[index] ?? 0)},${round(stroke.points[index + 1] ?? 0)}`);
    }
    if (points.length === 1) {
      points.push(points[0] ?? '0,0'); // a tap: a dot of the brush's width
    }
    const colour = stroke.tool === 'brush' ? '#fff' : '#000';
    return `<polyline points="${points.join(' ')}" fill="none" stroke="${colour}" stroke-width="${round(stroke.width)}" stroke-linecap="round" stroke-linejoin="round"/>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${String(width)}" height="${String(height)}"><rect width="100%" height="100%" fill="#000"/>${paths.join('')}</svg>`;
  const { data } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  let white = 0;
  // Anti-aliased edges count by their grey level, so coverage is area, not pixel count.
  for (let index = 0; index < data.length; index += 1) {
    white += data[index] ?? 0;
  }
  const coverage = data.length === 0 ? 0 : white / (255 * data.length);
  const png = await sharp(data, { raw: { width, height, channels: 1 } }).png().toBuffer();
  return { png, coverage: Math.min(1, Math.max(0, coverage)) };
}

function round(value: number): string {
  return (Math.round(value * 100) / 100).toString();
}
