import { describe, expect, it } from 'vitest';
import { libraryWithDefaultCatalog, measureBundleSize } from '../bench/bundle-size.js';

// The web app downloads this library: keep it small, and free of Node.
const budgetBytes = 15 * 1024;

describe('browser bundle', () => {
  it(`stays under ${budgetBytes} bytes gzipped with the default catalog`, async () => {
    const size = await measureBundleSize(libraryWithDefaultCatalog);
    expect(size.gzippedBytes).toBeLessThan(budgetBytes);
    expect(size.externalImports).toEqual([]);
  });
});
