import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`, also run by `.ci/run` after `npm test`): real server
 * processes on real Postgres and Redis, through TCP proxies the tests cut, killed and signalled.
 * One file at a time (each starts its own servers), with a fixed seed and bounded loops.
 */
export default defineConfig({
  ssr: { resolve: { conditions: ['@atelier/source', ...defaultServerConditions.filter((condition) => condition !== 'module')] } },
  resolve: { conditions: ['@atelier/source'] },
  test: {
    name: 'faults',
    include: ['apps/server/test/faults/**/*.test.ts'],
    globalSetup: ['tools/testing/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
