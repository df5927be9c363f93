import { registerHooks } from 'node:module';

/**
 * Makes the AWS SDK loadable under this repository's Vitest config.
 *
 * Vitest starts its workers with `--conditions` for every entry of `ssr.resolve.conditions`, and Vite's default
 * server conditions include `module`. Node then resolves the SDK's `exports` (which list `module` before `node`) to
 * its `dist-es` builds, which are meant for bundlers (extensionless relative imports), and loading
 * `@aws-sdk/client-s3` fails with ERR_MODULE_NOT_FOUND. Plain `node` (the server in production) never sets
 * `module`, so only tests are affected.
 *
 * This hook resolves `@aws-sdk/*`, `@smithy/*` and `@aws-crypto/*` with the same conditions minus `module`, which
 * is what plain Node does. Import it before anything that imports the SDK. It changes nothing when `module` is not
 * among the conditions (the proper fix: drop `module` from `ssr.resolve.conditions` in the root vitest.config.ts).
 */
const SDK_SCOPES = ['@aws-sdk/', '@smithy/', '@aws-crypto/'];
const BUNDLER_CONDITION = 'module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (context.conditions.includes(BUNDLER_CONDITION) && SDK_SCOPES.some((scope) => specifier.startsWith(scope))) {
      return nextResolve(specifier, {
        ...context,
        conditions: context.conditions.filter((condition) => condition !== BUNDLER_CONDITION),
      });
    }
    return nextResolve(specifier, context);
  },
});
