import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { scratchTree, type ScratchTree } from '../../test/support/scratch-tree';
import { realPostgresUrl } from '../../test/support/services';
import { templateNameFor } from '../../test/support/test-database';
import { generate, GeneratorRefusal, type GenerateRequest } from './generate';

/**
 * The slice generator on a scratch copy of this tree: refusals and failures leave the copy as it
 * was, and a generated slice (with a command, a query and a projection added) passes the type
 * check, the layer rules and its own tests there, with no edit. The copy, and the test template
 * database its new migrations make, are removed afterwards.
 */
const run = promisify(execFile);
const ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
const NODE = process.execPath;

let scratch: ScratchTree;
beforeAll(async () => {
  scratch = await scratchTree(ROOT);
}, 120_000);
afterAll(async () => {
  if (!scratch) return;
  const template = await templateNameFor(path.join(scratch.dir, 'prisma', 'migrations'));
  const admin = realPostgresUrl();
  if (admin) {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    for (const db of [template, `${template}_building`])
      await client.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    await client.end();
  }
  await scratch.remove();
}, 60_000);

const inScratch = (request: GenerateRequest) => generate(request, { root: scratch.dir, regenerate: false });

async function expectRefusal(request: GenerateRequest, message: RegExp): Promise<void> {
  const before = await scratch.fingerprint();
  const error = await inScratch(request).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(GeneratorRefusal);
  expect((error as Error).message).toMatch(message);
  expect(await scratch.fingerprint()).toBe(before);
}

/** Runs `args` with node in the scratch copy; its output is the failure message when it fails. */
async function inCopy(args: string[], timeout = 840_000): Promise<string> {
  try {
    const { stdout, stderr } = await run(NODE, args, {
      cwd: scratch.dir,
      timeout,
      maxBuffer: 32 * 1024 * 1024,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    return stdout + stderr;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed in the scratch copy:\n${stdout ?? ''}${stderr ?? ''}`, {
      cause: err,
    });
  }
}

/** Runs `args` in the scratch copy, expecting it may fail: its exit code and output. */
async function exitOf(args: string[]): Promise<{ code: number; output: string }> {
  try {
    return { code: 0, output: await inCopy(args) };
  } catch (err) {
    const { code, stdout, stderr } = (err as Error & { cause: { code?: number; stdout?: string; stderr?: string } })
      .cause;
    return { code: code ?? -1, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

/** The command line, as `npm run generate:slice --` runs it. */
const CLI = ['--import', './test/support/ts-register.mjs', 'tools/slice-generator/cli.ts'];

/** The files a run of the command line says it created and changed. */
function reported(output: string): { created: string[]; changed: string[] } {
  const [, created, changed] = /Created:\n((?: {2}.+\n)*)Changed:\n((?: {2}.+\n)*)/.exec(output) ?? [];
  const lines = (block = '') =>
    block
      .split('\n')
      .filter(Boolean)
      .map((line) => line.trim());
  return { created: lines(created), changed: lines(changed) };
}

const isTest = (file: string) => /\.(spec|int-spec|e2e-spec)\.ts$/.test(file);

describe('generate:slice refuses, writing nothing', () => {
  it.each<[string, GenerateRequest, RegExp]>([
    ['an existing lib', { kind: 'slice', slice: 'tasks' }, /libs\/tasks already exists/],
    ['a name that is not kebab-case', { kind: 'slice', slice: 'Comments' }, /not a valid slice name: use kebab-case/],
    ['a name starting with a digit', { kind: 'slice', slice: '2fa' }, /not a valid slice name/],
    ['snake_case', { kind: 'slice', slice: 'task_comments' }, /not a valid slice name/],
    ['a JavaScript key word', { kind: 'slice', slice: 'class' }, /'class' is reserved/],
    [
      'a PostgreSQL key word as the aggregate',
      { kind: 'slice', slice: 'orders' },
      /'order' is reserved .* the aggregate name/,
    ],
    ['a word of the layout', { kind: 'slice', slice: 'worker' }, /reserved by the project's layout/],
    [
      'a table the schema has',
      { kind: 'slice', slice: 'refresh-tokens' },
      /schema.prisma already has a model RefreshToken/,
    ],
    ['a route another slice serves', { kind: 'slice', slice: 'auth' }, /the route \/auth is taken/],
    ['a module class that exists', { kind: 'slice', slice: 'health' }, /a class HealthModule already exists/],
    ['an aggregate that shadows a global', { kind: 'slice', slice: 'dates' }, /named Date, which shadows a global/],
    [
      'a slice that does not exist',
      { kind: 'command', slice: 'nope', name: 'archive-nope' },
      /there is no slice libs\/nope/,
    ],
    [
      'a slice the generator did not make',
      { kind: 'command', slice: 'tasks', name: 'archive-task' },
      /libs\/tasks was not made by the generator/,
    ],
  ])('%s', (_, request, message) => expectRefusal(request, message));
});

describe('generate:slice on an error after preparing the change', () => {
  it('leaves the tree as it was when an app module cannot be edited', async () => {
    const file = path.join(scratch.dir, 'apps/api/src/app.module.ts');
    const original = await readFile(file, 'utf8');
    await writeFile(file, original.replace('imports: [', 'imports: importsOf(['));
    try {
      const before = await scratch.fingerprint();
      await expect(inScratch({ kind: 'slice', slice: 'notes' })).rejects.toThrow(
        /app\.module\.ts: 'imports' in class AppModule is not an array literal/,
      );
      expect(await scratch.fingerprint()).toBe(before);
    } finally {
      await writeFile(file, original);
    }
  });

  it('leaves the tree as it was when schema.prisma holds changes no migration has (found by the migration tool)', async () => {
    const file = path.join(scratch.dir, 'prisma/schema.prisma');
    const original = await readFile(file, 'utf8');
    await writeFile(file, `${original}\nmodel Stray {\n  id Int @id\n\n  @@map("strays")\n}\n`);
    try {
      const before = await scratch.fingerprint();
      const { code, output } = await exitOf([...CLI, 'notes']);
      expect(code).toBe(1);
      expect(output).toMatch(
        /nothing written: schema.prisma has changes that no migration holds \(CREATE TABLE "strays"/,
      );
      expect(await scratch.fingerprint()).toBe(before);
    } finally {
      await writeFile(file, original);
    }
  }, 180_000);
});

describe('a generated slice', () => {
  it('with a command, a query and a projection added, passes the type check, the layer rules, the format and its own tests with no edit', async () => {
    // The project's Prettier configuration, or (until the tree has one) the style it is given, so
    // that what the generator writes is checked formatted either way.
    const hasPrettierConfig = (await readdir(scratch.dir)).some((f) => f.startsWith('.prettierrc'));
    if (!hasPrettierConfig)
      await writeFile(
        path.join(scratch.dir, '.prettierrc.json'),
        JSON.stringify({ singleQuote: true, printWidth: 120 }),
      );
    const slice = reported(await inCopy([...CLI, 'comments']));
    const src = 'libs/comments/src/';
    // 14 source files and 4 tests in the slice, its migration, and edits of the schema and the two app modules only.
    expect(slice.created.filter((f) => f.startsWith(src) && !isTest(f))).toEqual(
      [
        'index.ts',
        'comments.module.ts',
        'domain/comment.ts',
        'ports/comment.repository.ts',
        'ports/comments.read-model.ts',
        'adapters/kysely-comment.repository.ts',
        'adapters/kysely-comments.read-model.ts',
        'application/commands/create-comment/create-comment.handler.ts',
        'application/queries/get-comment/get-comment.handler.ts',
        'projections/comments-read.projection.ts',
        'projections/comments-read.projector.ts',
        'http/comments.controller.ts',
        'http/comment.request.ts',
        'http/comment.response.ts',
      ]
        .map((f) => src + f)
        .sort(),
    );
    expect(slice.created.filter((f) => !f.startsWith(src) || isTest(f))).toEqual([
      `${src}adapters/comments-persistence.int-spec.ts`,
      `${src}domain/comment.spec.ts`,
      `${src}http/comments.e2e-spec.ts`,
      `${src}projections/comments-read.projection.spec.ts`,
      expect.stringMatching(/^prisma\/migrations\/\d{14}_comments\/migration\.sql$/),
    ]);
    expect(slice.changed).toEqual([
      'apps/api/src/app.module.ts',
      'apps/worker/src/worker.module.ts',
      'nest-cli.json',
      'prisma/schema.prisma',
    ]);
    // A command or a query is one handler file (the message class in it) and its test.
    expect(reported(await inCopy([...CLI, 'comments', 'command', 'archive-comment']))).toEqual({
      created: [
        `${src}application/commands/archive-comment/archive-comment.handler.int-spec.ts`,
        `${src}application/commands/archive-comment/archive-comment.handler.ts`,
      ],
      changed: [`${src}comments.module.ts`, `${src}domain/comment.ts`, `${src}projections/comments-read.projection.ts`],
    });
    expect(reported(await inCopy([...CLI, 'comments', 'query', 'list-comments']))).toEqual({
      created: [
        `${src}application/queries/list-comments/list-comments.handler.int-spec.ts`,
        `${src}application/queries/list-comments/list-comments.handler.ts`,
      ],
      changed: [
        `${src}adapters/kysely-comments.read-model.ts`,
        `${src}comments.module.ts`,
        `${src}ports/comments.read-model.ts`,
      ],
    });
    expect(reported(await inCopy([...CLI, 'comments', 'projection', 'comment-feed']))).toEqual({
      created: [
        `${src}projections/comment-feed.projection.spec.ts`,
        `${src}projections/comment-feed.projection.ts`,
        `${src}projections/comment-feed.projector.ts`,
        expect.stringMatching(/^prisma\/migrations\/\d{14}_comments_comment_feed\/migration\.sql$/),
      ],
      changed: [`${src}comments.module.ts`, 'prisma/schema.prisma'],
    });
    // Names the slice now has are refused, and nothing is written.
    await expectRefusal(
      { kind: 'command', slice: 'comments', name: 'archive-comment' },
      /application\/commands\/archive-comment already exists/,
    );
    await expectRefusal(
      { kind: 'query', slice: 'comments', name: 'get-comment' },
      /application\/queries\/get-comment already exists/,
    );
    await expectRefusal(
      { kind: 'projection', slice: 'comments', name: 'comments-read' },
      /comments-read\.projection\.ts already exists/,
    );
    await expectRefusal(
      { kind: 'command', slice: 'comments', name: 'archive-thread' },
      /Comment already has a method archive/,
    );
    await expectRefusal({ kind: 'slice', slice: 'comments' }, /libs\/comments already exists/);

    // The type check of what the generator wrote or changed (the slice and the two apps, with all
    // they import), as both of `npm run typecheck`'s configurations see it; the layer rules on the
    // whole tree; the format (and ESLint, once the tree has it); the slice's own tests and the API
    // document's. At once: most of it waits on the database or the disk.
    const only = (base: string) =>
      JSON.stringify({ extends: base, include: ['libs/comments/**/*.ts', 'apps/*/src/*.ts'] });
    await writeFile(path.join(scratch.dir, 'tsconfig.generated-build.json'), only('./tsconfig.build.json'));
    await writeFile(path.join(scratch.dir, 'tsconfig.generated.json'), only('./tsconfig.json'));
    const tsc = 'node_modules/typescript/bin/tsc';
    const written = ['libs/comments', 'apps/api/src/app.module.ts', 'apps/worker/src/worker.module.ts'];
    const hasEslint = existsSync(path.join(scratch.dir, 'eslint.config.mjs'));
    const [, , , , tests] = await Promise.all([
      inCopy([tsc, '-p', 'tsconfig.generated-build.json', '--noEmit']),
      inCopy([tsc, '-p', 'tsconfig.generated.json']),
      inCopy([
        'node_modules/dependency-cruiser/bin/dependency-cruise.mjs',
        'apps',
        'libs',
        '--config',
        '.dependency-cruiser.cjs',
      ]),
      inCopy(['node_modules/prettier/bin/prettier.cjs', '--check', ...written]).then(async () =>
        hasEslint ? inCopy(['node_modules/eslint/bin/eslint.js', ...written]) : '',
      ),
      // With the OpenAPI document's checks (Redocly's rules, problem+json answers), which now cover the slice's routes.
      inCopy([
        '--experimental-vm-modules',
        'node_modules/jest/bin/jest.js',
        '--ci',
        'libs/comments',
        'test/e2e/openapi.e2e-spec.ts',
      ]),
    ]);
    expect(tests).toMatch(/Tests:\s+(\d+) passed, \1 total/);
    expect(tests).toMatch(/Test Suites:\s+8 passed, 8 total/);
  }, 900_000);
});
