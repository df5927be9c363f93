import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The web app's tsconfig extends SvelteKit's generated one (`.svelte-kit/tsconfig.json`), which
// transforming its files needs. A fresh clone whose build came from Nx's cache has none yet:
// generate it (what `svelte-kit sync` does before the build and the type check).
const webRoot = fileURLToPath(new URL('apps/web/', import.meta.url));
if (!existsSync(path.join(webRoot, '.svelte-kit', 'tsconfig.json'))) {
  const svelteKit = [path.join(webRoot, 'node_modules'), fileURLToPath(new URL('node_modules/', import.meta.url))]
    .map((folder) => path.join(folder, '@sveltejs', 'kit', 'svelte-kit.js'))
    .find((file) => existsSync(file));
  if (svelteKit === undefined) throw new Error('@sveltejs/kit is not installed: run npm install');
  execFileSync(process.execPath, [svelteKit, 'sync'], { cwd: webRoot, stdio: 'inherit' });
}

/** Server tests that replace modules with vi.mock: isolated, so the replacements reach no other file. */
const mocking = ['apps/server/test/storage/local-disk.atomic.test.ts', 'apps/server/test/storage/lazy-sdk.test.ts', 'apps/server/test/security/mask-bounds.test.ts'];

// `@atelier/source` makes @atelier/* workspaces resolve to their TypeScript sources, so tests need no build.
export default defineConfig({
  resolve: { conditions: ['@atelier/source', ...defaultClientConditions] },
  // Without `module`: Node would load bundler-only builds (e.g. the AWS SDK's dist-es) in workers.
  ssr: { resolve: { conditions: ['@atelier/source', ...defaultServerConditions.filter((condition) => condition !== 'module')] } },
  test: {
    globalSetup: ['tools/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two test files at once (test servers size their pools so two files fit Postgres's 100
    // connections): on a 2-core machine the whole run took 698 s instead of 794 s.
    maxWorkers: 2,
    // One module graph per worker, not per file: the server, jsdom and the test helpers load once
    // per worker (the server's files took 204 s instead of 330 s). The few files that replace
    // modules (vi.mock) run in their own project, isolated.
    isolate: false,
    projects: [
      { extends: true, test: { name: 'contracts', include: ['libs/contracts/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'pricing', include: ['libs/pricing/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'ledger', include: ['libs/ledger/{src,test}/**/*.test.ts'] } },
      // The fault suite (apps/server/test/faults) runs on its own: `npm run test:faults` (vitest.faults.config.ts).
      { extends: true, test: { name: 'server', include: ['apps/server/{src,test}/**/*.test.ts'], exclude: ['apps/server/test/faults/**', ...mocking] } },
      { extends: true, test: { name: 'server-mocks', include: mocking, isolate: true } },
      // Component and module tests of the web app, in jsdom.
      {
        extends: true,
        plugins: [svelte(), svelteTesting()],
        test: { name: 'web', include: ['apps/web/src/**/*.test.ts'], environment: 'jsdom' },
      },
      // The web app against the real server: the API types' freshness, and the built app in Debian's
      // Chromium (skips without Chromium unless REQUIRE_E2E=1).
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['apps/web/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // A browser on a busy CI machine: give what the page shows time to arrive.
          expect: { poll: { timeout: 20_000, interval: 100 } },
        },
      },
    ],
  },
});
