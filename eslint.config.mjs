// pnpm lint: ESLint's and typescript-eslint's recommended rules (syntax only, no type
// information, so it stays fast; tsc and pnpm typecheck:tests do the type checking) over the
// sources, the black-box tests and the bench. Zero warnings (--max-warnings 0). No formatting
// rules: formatting is not checked yet.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'packages/db/src/generated/**', 'bench/results/**'] },
  {
    files: ['apps/*/src/**/*.ts', 'packages/*/src/**/*.ts', 'test/**/*.ts', 'bench/src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are unused on purpose (Express's 4-argument error handler, `for await (const _ of …)`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // `catch {}` is how best-effort steps (probes, cleanup, optional diagnostics) say so.
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  {
    files: ['test/**/*.ts'],
    // Black-box tests read JSON answers loosely (`Record<string, any>`); the assertions check them.
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // collect-garbage.s3.test.ts uses COMMANDS only as a type (the SDK is loaded through
    // @airlock/storage's own resolution); the array is what names the commands it may load.
    files: ['packages/pipeline/src/jobs/collect-garbage.s3.test.ts'],
    rules: { '@typescript-eslint/no-unused-vars': 'off' },
  },
);
