import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

// @wirecall/react's own tests, run a second time with React 18 (its peer range starts there):
// `react`, `react-dom` and Testing Library resolve to this package's copies, installed against React 18.
const require = createRequire(import.meta.url);
const packageDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));
const conditions = ['@wirecall/source', 'module', 'node', 'development|production'];

export default defineConfig({
  resolve: {
    conditions,
    alias: [
      { find: /^react(\/.*)?$/, replacement: `${packageDir('react')}$1` },
      { find: /^react-dom(\/.*)?$/, replacement: `${packageDir('react-dom')}$1` },
      { find: /^@testing-library\/react$/, replacement: packageDir('@testing-library/react') },
    ],
  },
  ssr: { resolve: { conditions, externalConditions: ['@wirecall/source'] } },
  test: {
    name: 'react-18',
    dir: fileURLToPath(new URL('..', import.meta.url)),
    include: ['react/test/**/*.test.tsx', 'react-18-tests/test/*.test.ts'],
    testTimeout: 10_000,
    hookTimeout: 10_000,
  },
});
