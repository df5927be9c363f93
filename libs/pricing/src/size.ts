import type { SizeRules } from './catalog.js';

/** A megapixel here is 10⁶ pixels, the unit people multiply out (1024×1440 = 1.47 MP). */
export const pixelsPerMegapixel = 1_000_000;

/** Exact, because the schema allows megapixel bounds at most six decimal places. */
export function megapixelsToPixels(megapixels: number): number {
  return Math.round(megapixels * pixelsPerMegapixel);
}

export function fitsSizeRules(width: number, height: number, rules: SizeRules): boolean {
  return (
    width % rules.multipleOf === 0 &&
    height % rules.multipleOf === 0 &&
    Math.min(width, height) >= rules.minimumSide &&
    Math.max(width, height) <= rules.maximumSide &&
    width * height <= megapixelsToPixels(rules.maximumMegapixels)
  );
}

/** "1.47" for 1024×1440; two decimals, fixed so the browser and the server print the same. */
/** A catalog's megapixel bound for people: two decimals at most, no trailing zeros (1.048576 → "1.05", 9.4 → "9.4"). */
export function roundMegapixels(megapixels: number): string {
  return String(Math.round(megapixels * 100) / 100);
}

export function formatMegapixels(pixels: number): string {
  return (pixels / pixelsPerMegapixel).toFixed(2);
}
