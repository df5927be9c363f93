import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// `source` makes @atelier/* workspaces resolve to their TypeScript sources, so tests need no build.
export default defineConfig({
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // Without `module`: Node would load bundler-only builds (e.g. the AWS SDK's dist-es) in workers.
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions.filter((condition) => condition !== 'module')] } },
  test: {
    globalSetup: ['tools/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'contracts', include: ['libs/contracts/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'pricing', include: ['libs/pricing/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'ledger', include: ['libs/ledger/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'server', include: ['apps/server/{src,test}/**/*.test.ts'] } },
    ],
  },
});
