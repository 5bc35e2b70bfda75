import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources (the `@wirecall/source`
// export condition), so tests need no build step.
const conditions = ['@wirecall/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@wirecall/source'] } },
  test: {
    testTimeout: 10_000,
    hookTimeout: 10_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'wirecall',
          include: ['packages/*/{src,test}/**/*.test.{ts,tsx}', 'examples/*/{src,test}/**/*.test.{ts,tsx}'],
          // That package runs @wirecall/react's tests on React 18, in a project of its own.
          exclude: ['packages/react-18-tests/**', '**/node_modules/**'],
          typecheck: {
            enabled: true,
            include: ['packages/*/{src,test}/**/*.test-d.ts'],
            tsconfig: './tsconfig.test.json',
          },
        },
      },
      'packages/react-18-tests',
    ],
  },
});
