/**
 * Layer rules (docs/decisions/0063-layer-rules.md). A slice is libs/<slice>/src; libs/platform, the
 * events engine (libs/events) and libs/shared-kernel are infrastructure. Inside a slice, domain/,
 * application/ and ports/ each have an allow-list; frameworks and I/O live at the edges (http/,
 * adapters/, projections/, subscribers, *.module.ts). File names say their role and sit in the
 * layer that role belongs to. Checked by test/architecture/layer-rules.spec.ts, which plants a
 * violation of each rule.
 */
const SLICE = '(?!platform/|events/|shared-kernel/)[^/]+';
const SHARED_KERNEL = '^libs/shared-kernel/src/';
/** Abstract ports other libs publish through a narrow entry point (`@app/events/ports`). */
const PUBLISHED_PORTS = '^libs/events/src/ports/index\\.ts$';
const npm = (...names) => `(^|/)node_modules/(${names.join('|')})/`;
/** Nest, Fastify, pg, Redis, the query layers, and the libs that wrap them. */
const INFRASTRUCTURE = [
  npm('@nestjs/[^/]+', 'fastify', '@fastify/[^/]+', 'pg', 'pg-[^/]+', 'ioredis', 'kysely', '@prisma/[^/]+', 'prisma'),
  '^libs/platform/',
  '^libs/events/src/index\\.ts$',
];
const ROLE_FILE = '[^/.]+\\.[^/]+\\.ts$';

/**
 * dependency-cruiser judges a single file through its dependents; these two bounds together take
 * every file, so a rule on names alone covers files with any number of importers.
 */
const eachFile = ({ name, comment, path, pathNot }) =>
  [{ numberOfDependentsLessThan: 100 }, { numberOfDependentsMoreThan: 99 }].map((bound) => ({
    name,
    comment,
    severity: 'error',
    module: { path, pathNot, ...bound },
    from: {},
  }));

module.exports = {
  forbidden: [
    {
      name: 'domain-allow-list',
      severity: 'error',
      comment:
        "domain/ imports only its own slice's domain and @app/shared-kernel: no framework, no node builtins, no I/O.",
      from: { path: `^libs/(${SLICE})/src/domain/` },
      to: { pathNot: ['^libs/$1/src/domain/', SHARED_KERNEL] },
    },
    {
      name: 'application-allow-list',
      severity: 'error',
      comment:
        "application/ imports its slice's domain, ports and application, @app/shared-kernel, the published ports of other libs " +
        '(@app/events/ports) and @nestjs/cqrs (commands, queries, handler decorators); nothing concrete.',
      from: { path: `^libs/(${SLICE})/src/application/` },
      to: {
        pathNot: ['^libs/$1/src/(domain|application|ports)/', SHARED_KERNEL, PUBLISHED_PORTS, npm('@nestjs/cqrs')],
      },
    },
    {
      name: 'ports-allow-list',
      severity: 'error',
      comment:
        "ports/ are abstract classes (each its own DI token, so no Nest): they import their slice's domain and ports, @app/shared-kernel and published ports.",
      from: { path: `^libs/(${SLICE})/src/ports/` },
      to: { pathNot: ['^libs/$1/src/(domain|ports)/', SHARED_KERNEL, PUBLISHED_PORTS] },
    },
    {
      name: 'published-ports-allow-list',
      severity: 'error',
      comment:
        "The events lib's published ports and the event envelope they name are abstract: no engine, no framework.",
      from: { path: '^libs/events/src/(ports/|event\\.ts$)' },
      to: { pathNot: ['^libs/events/src/(ports/|event\\.ts$)', SHARED_KERNEL] },
    },
    {
      name: 'shared-kernel-allow-list',
      severity: 'error',
      comment: 'Every domain may import the shared kernel, so it imports nothing but itself.',
      from: { path: SHARED_KERNEL },
      to: { pathNot: SHARED_KERNEL },
    },
    {
      name: 'infrastructure-at-the-edges',
      severity: 'error',
      comment:
        'Nest, Fastify, pg, Redis, the query layers, the platform and the engine belong in http/, adapters/, projections/, subscribers and *.module.ts.',
      from: {
        path: `^libs/(${SLICE})/src/`,
        pathNot: [
          '^libs/[^/]+/src/(domain|application|ports|http|adapters|projections)/',
          '\\.subscriber\\.ts$',
          '\\.module\\.ts$',
        ],
      },
      to: { path: INFRASTRUCTURE },
    },
    {
      name: 'no-reaching-into-other-slices',
      severity: 'error',
      comment: 'Import another lib only through its index.ts (@app/<lib>) or its published ports (@app/events/ports).',
      from: { path: '^libs/([^/]+)/src/' },
      to: { path: '^libs/([^/]+)/src/.+', pathNot: ['^libs/$1/src/', '^libs/[^/]+/src/index\\.ts$', PUBLISHED_PORTS] },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'no-orphans',
      severity: 'error',
      comment: 'A file that imports nothing and that nothing imports is dead.',
      from: { orphan: true, path: '^(apps|libs)/' },
      to: {},
    },
    {
      name: 'no-unreferenced-files',
      severity: 'error',
      comment:
        "A lib or app file nothing imports is dead (tests do not count). Entry points are the exceptions: a lib's index.ts, " +
        "the apps' main.ts, the CLI scripts and the tracing preload (node --import).",
      module: {
        path: '^(apps|libs)/',
        pathNot: [
          '^libs/[^/]+/src/index\\.ts$',
          '^libs/events/src/ports/index\\.ts$',
          '^libs/platform/src/tracing/register\\.ts$',
          '^apps/[^/]+/src/main\\.ts$',
          '^apps/cli/',
        ],
        numberOfDependentsLessThan: 1,
      },
      from: {},
    },
    ...eachFile({
      name: 'file-names-kebab-case',
      comment: 'File names are kebab-case words, with dot-separated roles: task-read.projection.ts.',
      path: '^(apps|libs)/',
      pathNot: '/[a-z0-9]+(-[a-z0-9]+)*(\\.[a-z0-9]+(-[a-z0-9]+)*)*\\.(ts|mts|mjs|cjs|js|json)$',
    }),
    ...eachFile({
      name: 'file-role-names',
      comment:
        "In a slice, a file's role suffix is one of the known roles and sits in its layer: .command/.query/.handler in " +
        'application/commands|queries/<use-case>/, .controller/.request/.response in http/, .repository/.read-model/.store/' +
        '.cache/.analyser in ports/ or adapters/, .adapter in adapters/, .projection/.projector in projections/, ' +
        '.events/.values/.errors in domain/, .subscriber outside domain/application/ports, .module at the slice root. ' +
        'A file without a role suffix (task.ts, task-cursor.ts) may sit anywhere.',
      path: `^libs/${SLICE}/src/(.+/)?${ROLE_FILE}`,
      pathNot: [
        '^libs/[^/]+/src/application/commands/[^/]+/[^/.]+\\.(command|handler)\\.ts$',
        '^libs/[^/]+/src/application/queries/[^/]+/[^/.]+\\.(query|handler)\\.ts$',
        '^libs/[^/]+/src/http/(.+/)?[^/.]+\\.(controller|request|response)\\.ts$',
        '^libs/[^/]+/src/(ports|adapters)/(.+/)?[^/.]+\\.(repository|read-model|store|cache|analyser)\\.ts$',
        '^libs/[^/]+/src/adapters/(.+/)?[^/.]+\\.adapter\\.ts$',
        '^libs/[^/]+/src/projections/(.+/)?[^/.]+\\.(projection|projector)\\.ts$',
        '^libs/[^/]+/src/domain/(.+/)?[^/.]+\\.(events|values|errors)\\.ts$',
        '^libs/[^/]+/src/(?!(domain|application|ports)/)(.+/)?[^/.]+\\.subscriber\\.ts$',
        '^libs/[^/]+/src/[^/.]+\\.module\\.ts$',
      ],
    }),
    ...eachFile({
      name: 'use-case-file-names',
      comment:
        'One use case per folder, its files named after it: application/commands/<use-case>/<use-case>.handler.ts and ' +
        '<use-case>.command.ts (queries alike, .query.ts); the command or query class may live in the handler file instead.',
      path: `^libs/${SLICE}/src/application/(commands/[^/]+/[^/.]+\\.(command|handler)|queries/[^/]+/[^/.]+\\.(query|handler))\\.ts$`,
      // One pattern, not a list: the back-references count the groups from its start.
      pathNot:
        '^libs/[^/]+/src/application/(commands/([^/]+)/\\2\\.command|queries/([^/]+)/\\3\\.query|(commands|queries)/([^/]+)/\\5\\.handler)\\.ts$',
    }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(generated/|\\.spec\\.ts$|\\.int-spec\\.ts$|\\.e2e-spec\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
  },
};
