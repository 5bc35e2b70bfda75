import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources (the `@wirecall/source`
// export condition), so tests need no build step.
const conditions = ['@wirecall/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@wirecall/source'] } },
  test: {
    include: ['packages/*/{src,test}/**/*.test.{ts,tsx}', 'examples/*/{src,test}/**/*.test.{ts,tsx}'],
    testTimeout: 10_000,
    hookTimeout: 10_000,
    typecheck: {
      enabled: true,
      include: ['packages/*/{src,test}/**/*.test-d.ts'],
      tsconfig: './tsconfig.test.json',
    },
  },
});
