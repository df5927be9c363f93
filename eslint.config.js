import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import svelte from 'eslint-plugin-svelte';

const nodeBuiltins = {
  group: ['node:*', 'fs', 'path', 'crypto', 'os', 'http', 'https', 'net', 'child_process', 'url', 'util', 'stream'],
  message: 'This library runs in the browser too: no Node built-ins.',
};
const frameworks = {
  group: ['@nestjs/*', '@mikro-orm/*', 'svelte', 'svelte/*', '@sveltejs/*', 'pg', 'express'],
  message: 'Pure libraries import no framework and no I/O.',
};
const apps = { group: ['@atelier/server', '@atelier/web', '**/apps/**'], message: 'Libraries never import apps.' };

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/build/**',
      '**/.svelte-kit/**',
      '**/node_modules/**',
      '.data/**',
      '.nx/**',
      '**/*.config.js',
      '**/*.mjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  ...svelte.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts', 'eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // DTO classes describe shapes for OpenAPI; plain objects of that shape are what we send.
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-extraneous-class': ['error', { allowWithDecorator: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Svelte components: the template by svelte-eslint-parser, `<script lang="ts">` by typescript-eslint
    // with type information; they run in the browser.
    files: ['apps/web/**/*.svelte', 'apps/web/**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, svelteFeatures: { runes: true } },
    },
  },
  {
    files: ['libs/pricing/**/*.ts', 'libs/contracts/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test/**', '**/bench/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [nodeBuiltins, frameworks, apps] }] },
  },
  {
    files: ['libs/ledger/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@nestjs/*', '@mikro-orm/*', 'svelte', '@sveltejs/*'], message: 'The ledger is plain TypeScript over pg.' }, apps] },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts', 'tools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
