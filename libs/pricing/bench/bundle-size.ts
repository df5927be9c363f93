import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

/** What a browser app downloads for this library: bundled, minified, gzipped at level 9. */
export interface BundleSize {
  readonly entry: string;
  readonly minifiedBytes: number;
  readonly gzippedBytes: number;
  /** Modules left outside the bundle: none, since the library imports no Node built-in or package at run time. */
  readonly externalImports: readonly string[];
}

/** The whole public API with only the default catalog: what the web app imports. */
export const libraryWithDefaultCatalog = fileURLToPath(new URL('./entries/library-with-default-catalog.ts', import.meta.url));
/** Everything `src/index.ts` exports, all three catalogs included. */
export const wholeLibrary = fileURLToPath(new URL('../src/index.ts', import.meta.url));

export async function measureBundleSize(entry: string): Promise<BundleSize> {
  const bundle = await rolldown({ input: entry, platform: 'browser', logLevel: 'silent' });
  try {
    const { output } = await bundle.generate({ format: 'esm', minify: true });
    const chunks = output.flatMap((file) => (file.type === 'chunk' ? [file] : []));
    const code = chunks.map((chunk) => chunk.code).join('');
    return {
      entry,
      minifiedBytes: Buffer.byteLength(code),
      gzippedBytes: gzipSync(code, { level: 9 }).byteLength,
      externalImports: chunks.flatMap((chunk) => chunk.imports),
    };
  } finally {
    await bundle.close();
  }
}
