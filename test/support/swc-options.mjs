// How TypeScript sources are compiled for the tests, by Jest (jest.config.mjs) and in spawned
// worker processes (ts-hooks.mjs): ES modules, legacy decorators with their metadata (Nest's DI).
export const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
    target: 'es2023',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};
