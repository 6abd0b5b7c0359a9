/**
 * Layer rules (docs/decisions): dependencies point inward. Domain and application code never
 * import Prisma, Nest infrastructure, Redis, HTTP frameworks or a slice's adapters; a slice
 * never reaches into another slice's internals.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'domain/ holds entities, value objects, events and rules: no framework, no I/O.',
      from: { path: '^libs/[^/]+/src/domain/' },
      to: { path: '(node_modules/(@nestjs|@prisma|prisma|ioredis|pg|fastify|bcrypt)|/adapters/|/http/|/application/|libs/platform/)' },
    },
    {
      name: 'application-depends-on-ports',
      severity: 'error',
      comment: 'application/ uses ports only; @nestjs/cqrs handler decorators are the one framework import allowed.',
      from: { path: '^libs/[^/]+/src/application/' },
      to: { path: '(node_modules/(@prisma|prisma|ioredis|pg|fastify|bcrypt|@nestjs/(?!cqrs|common))|/adapters/|/http/|libs/platform/)' },
    },
    {
      name: 'no-reaching-into-other-slices',
      severity: 'error',
      comment: 'Import another slice only through its index.ts (@app/<slice>).',
      from: { path: '^libs/([^/]+)/src/' },
      to: { path: '^libs/([^/]+)/src/.+', pathNot: ['^libs/$1/src/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(generated/|\\.spec\\.ts$|\\.int-spec\\.ts$|\\.e2e-spec\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js'] },
  },
};
