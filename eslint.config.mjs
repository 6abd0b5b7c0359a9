// ESLint: @eslint/js recommended and typescript-eslint's recommended type-checked rules over every
// TypeScript file in tsconfig.json (apps, libs, test, bench), the JavaScript ones without type
// information. Formatting is Prettier's (.prettierrc.json); docs/decisions/0070 lists every rule
// relaxed here and why.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

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
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
  },
);
