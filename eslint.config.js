// @ts-check
import js from '@eslint/js';
import unicorn from 'eslint-plugin-unicorn';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.test-results/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { unicorn },
    rules: {
      'unicorn/filename-case': ['error', { case: 'kebabCase' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/naming-convention': [
        'error',
        { selector: 'typeParameter', format: ['PascalCase'], custom: { regex: '^(T[A-Z][A-Za-z]*|T)$', match: true } },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: false }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'ws', message: 'Only the ws adapter (packages/server/src/adapters/ws*.ts) may import ws.' }],
        },
      ],
    },
  },
  {
    // Node defines these globals as accessors: every read of one is a slow global load through
    // a getter, where an imported binding is a constant the compiler folds (docs/performance.md).
    files: ['packages/server/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: "import { Buffer } from 'node:buffer'" },
        { name: 'performance', message: "import { performance } from 'node:perf_hooks'" },
        { name: 'process', message: "import what you need from 'node:process'" },
      ],
    },
  },
  {
    // The adapter owns `ws`; tests, fixtures and examples use it as a Node client.
    files: ['packages/server/src/adapters/ws*.ts', 'packages/testing/**', '**/test/**', '**/*.test.ts', '**/*.test-d.ts', 'examples/**', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Examples and benchmarks are programs: they print.
    files: ['examples/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.test-d.ts'],
    rules: {
      // expect(...).rejects and friends are awaited; vitest's matchers confuse this rule.
      '@typescript-eslint/no-floating-promises': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      // Handlers in tests are often async generators that only yield.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
