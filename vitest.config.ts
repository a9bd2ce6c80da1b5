import { defineConfig } from 'vitest/config';

// One run, two tiers: unit and integration tests next to the code, black-box tests in test/.
// Tests import the built packages (npm test builds first), as the deployables do.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    // Generous: these tests start real processes, and a loaded 2-core machine is slow to.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
