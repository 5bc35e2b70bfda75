import { createRequire } from 'node:module';
import { dirname } from 'node:path';

import { defineConfig } from 'vitest/config';

// Resolve workspace packages to their TypeScript sources (the `@wirecall/source`
// export condition), so tests need no build step.
const conditions = ['@wirecall/source', 'module', 'node', 'development|production'];

// The copies of React 18 (and of Testing Library, installed against it) that packages/react-18-tests holds.
const react18Require = createRequire(new URL('packages/react-18-tests/package.json', import.meta.url));
const react18Copy = (name: string): string => dirname(react18Require.resolve(`${name}/package.json`));

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
          exclude: ['packages/react-18-tests/**', '**/node_modules/**'],
          typecheck: {
            enabled: true,
            include: ['packages/*/{src,test}/**/*.test-d.ts'],
            tsconfig: './tsconfig.test.json',
          },
        },
      },
      {
        // @wirecall/react's tests again, on React 18 (its peer range starts there): the hooks,
        // the tests and Testing Library all import packages/react-18-tests' copies.
        extends: true,
        resolve: {
          alias: [
            { find: /^react(\/.*)?$/, replacement: `${react18Copy('react')}$1` },
            { find: /^react-dom(\/.*)?$/, replacement: `${react18Copy('react-dom')}$1` },
            { find: /^@testing-library\/react$/, replacement: react18Copy('@testing-library/react') },
          ],
        },
        test: {
          name: 'react-18',
          include: ['packages/react/test/**/*.test.tsx', 'packages/react-18-tests/test/*.test.ts'],
        },
      },
    ],
  },
});
