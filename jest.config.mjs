// Three tiers, told apart by file suffix: *.spec.ts (unit), *.int-spec.ts (real PostgreSQL and
// Redis), *.e2e-spec.ts (HTTP against the real app). ESM throughout: Nest 12 ships ES modules.
import { swcOptions } from './test/support/swc-options.mjs';

const swc = ['@swc/jest', swcOptions];

// CommonJS packages that require() an ES-only dependency work under Node's require(esm), which
// Jest's module runtime lacks on Node 20; those dependencies are compiled to CommonJS for Jest.
const REQUIRED_ESM = ['content-disposition', 'cookie'];
const toCommonJs = ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }];

export const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': swc,
    [`/node_modules/(${REQUIRED_ESM.join('|')})/.+\\.js$`]: toCommonJs,
  },
  transformIgnorePatterns: [`/node_modules/(?!(${REQUIRED_ESM.join('|')})/)`],
  moduleNameMapper: {
    '^@app/events/ports$': '<rootDir>/libs/events/src/ports/index.ts',
    '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
};

export default {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  maxWorkers: 2,
  testTimeout: 30_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,test,tools}/**/*.spec.ts'] },
    { ...shared, displayName: 'int', testMatch: ['<rootDir>/{apps,libs,test,tools}/**/*.int-spec.ts'] },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/{apps,libs,test,tools}/**/*.e2e-spec.ts'] },
  ],
};
