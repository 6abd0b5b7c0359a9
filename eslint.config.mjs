// ESLint: @eslint/js recommended and typescript-eslint's recommended type-checked rules over every
// TypeScript file in tsconfig.json (apps, libs, test, bench), the JavaScript ones without type
// information. Formatting is Prettier's (.prettierrc.json); docs/decisions/0070 lists every rule
// relaxed here and why.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const TESTS = ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/*.fault-spec.ts', 'test/**/*.ts'];

// The JavaScript files run on Node: the globals of the Node that runs ESLint are theirs.
const nodeGlobals = Object.fromEntries(Object.getOwnPropertyNames(globalThis).map((name) => [name, 'readonly']));

export default defineConfig(
  { ignores: ['libs/platform/src/database/generated/', 'dist/', 'dist.build-lock/', 'coverage/', '.data/'] },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // Leaving keys out of a copy by rest destructuring (`{ secret: _, ...rest }`) is the idiom for it.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: TESTS,
    rules: {
      // A test double of an async port is an async function, so its throw is a rejection as the real one's is.
      '@typescript-eslint/require-await': 'off',
      // Tests read untyped documents (JSON bodies, YAML manifests, the OpenAPI document, log lines) and assert their
      // shape at run time; @types/jest types the asymmetric matchers (expect.any, expect.stringMatching) `any`.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
