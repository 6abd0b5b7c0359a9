import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import prettier from 'prettier';
import { migrationDiff } from '../../libs/platform/src/database/migrations.js';
import { nameOf, nameProblem, singular, useCaseProblem, type Name } from './names.js';
import { commandNames, sliceNames, type SliceNames } from './slice-names.js';
import {
  addClassMember,
  addImport,
  addToClassArray,
  addToConstObject,
  addNestCliLibrary,
  addToUnion,
  hasClassMember,
  SourceEditError,
  unionEventTypes,
} from './source-edits.js';
import { StagedChange } from './staged-change.js';
import { commandFiles, commandMethod, commandPayload } from './templates/command.js';
import { projectionEntry, projectionFiles, projectionSchema } from './templates/projection.js';
import { queryAdapterMethod, queryFiles, queryPortMethod } from './templates/query.js';
import { sliceFiles, sliceSchema } from './templates/slice.js';

/** A name the generator will not use, or a slice it cannot extend: nothing was written. */
export class GeneratorRefusal extends Error {
  override readonly name = 'GeneratorRefusal';
}

export type GenerateRequest =
  | { kind: 'slice'; slice: string; aggregate?: string }
  | { kind: 'command' | 'query' | 'projection'; slice: string; name: string };

export interface GenerateOptions {
  /** The repository root (the folder holding package.json, apps/, libs/, prisma/). */
  root: string;
  /** The migration step; defaults to the project's offline migration diff (db:migration's). */
  diff?: (source: { schemaPath: string; migrationsDir: string }) => Promise<string>;
  now?: () => Date;
  /** Regenerate the Prisma client and query types after a schema change (default true). */
  regenerate?: boolean;
}

export interface GenerateResult {
  created: string[];
  modified: string[];
}

const API_MODULE = 'apps/api/src/app.module.ts';
const WORKER_MODULE = 'apps/worker/src/worker.module.ts';
const SCHEMA = 'prisma/schema.prisma';
const MIGRATIONS = 'prisma/migrations';
const NEST_CLI = 'nest-cli.json';

/** Names a template file declares that an aggregate's class must not shadow. */
const TEMPLATE_IDENTIFIERS = new Set([
  'Apply',
  'Clock',
  'Command',
  'CommandBus',
  'CommandHandler',
  'Controller',
  'DomainError',
  'EventConsumer',
  'EventStore',
  'Get',
  'Injectable',
  'Module',
  'Param',
  'Post',
  'Projector',
  'Query',
  'QueryBus',
  'QueryHandler',
  'Res',
  'Row',
  'SystemClock',
  'TransactionRunner',
  'UnitOfWork',
]);

/**
 * Writes a slice, or a command, query or projection into a generated slice, in one step: the
 * files are built in memory, the migration is computed from the changed schema by the project's
 * migration tool, and only then is the tree changed (StagedChange); any refusal or error leaves
 * it as it was.
 */
export async function generate(request: GenerateRequest, options: GenerateOptions): Promise<GenerateResult> {
  const change = new StagedChange(options.root);
  const tables: string[] = [];
  let migration: string | undefined;
  switch (request.kind) {
    case 'slice': {
      const n = await checkNewSlice(options.root, request.slice, request.aggregate);
      for (const [file, text] of Object.entries(sliceFiles(n)))
        change.create(`libs/${n.slice.kebab}/src/${file}`, text);
      await change.modify(SCHEMA, (text) => `${text.trimEnd()}\n${sliceSchema(n)}`);
      await registerInApps(change, n);
      await change.modify(NEST_CLI, (text) => addNestCliLibrary(NEST_CLI, text, n.slice.kebab));
      tables.push(n.writeTable, n.readProjection.snake);
      migration = n.slice.snake;
      break;
    }
    case 'command':
      await addCommand(change, await existingSlice(options.root, request.slice), request.name);
      break;
    case 'query':
      await addQuery(change, await existingSlice(options.root, request.slice), request.name);
      break;
    case 'projection': {
      const n = await existingSlice(options.root, request.slice);
      const p = await addProjection(change, n, request.name);
      tables.push(p.snake);
      migration = `${n.slice.snake}_${p.snake}`;
      break;
    }
  }
  if (migration) await addMigration(change, options, tables, migration);
  await change.rewrite((file, text) => formatted(options.root, file, text));
  await change.apply();
  if (migration && (options.regenerate ?? true)) await regenerate(options.root);
  return { created: change.createdFiles, modified: change.modifiedFiles };
}

// ----- checks ---------------------------------------------------------------------------------

function refuse(problem: string | undefined): void {
  if (problem) throw new GeneratorRefusal(problem);
}

async function checkNewSlice(root: string, slice: string, aggregateName: string | undefined): Promise<SliceNames> {
  refuse(nameProblem('slice', slice));
  const aggregate = aggregateName ?? singular(slice);
  refuse(nameProblem('aggregate', aggregate));
  const n = sliceNames(slice, aggregate);
  if (existsSync(path.join(root, 'libs', slice))) refuse(`libs/${slice} already exists: choose another slice name`);
  if (n.aggregate.pascal in globalThis || TEMPLATE_IDENTIFIERS.has(n.aggregate.pascal)) {
    refuse(
      `the aggregate class would be named ${n.aggregate.pascal}, which shadows a global or a name the slice's files import: pass --aggregate <name>`,
    );
  }
  const schema = await readFile(path.join(root, SCHEMA), 'utf8');
  checkSchemaFree(schema, [n.writeModel, n.readModel], [n.writeTable, n.readProjection.snake]);
  const sources = await sourceTexts(root);
  const taken = (pattern: RegExp) => [...sources].filter(([, text]) => pattern.test(text)).map(([file]) => file);
  const route = taken(new RegExp(`@Controller\\(\\s*'${slice}(/[^']*)?'`));
  if (route.length) refuse(`the route /${slice} is taken (by ${route.join(', ')}): choose another slice name`);
  for (const cls of [`${n.slice.pascal}Module`, `${n.slice.pascal}WorkerModule`]) {
    const at = taken(new RegExp(`class ${cls}\\b`));
    if (at.length) refuse(`a class ${cls} already exists (${at.join(', ')}): choose another slice name`);
  }
  const consumer = taken(new RegExp(`readonly name = '${n.readProjection.snake}'`));
  if (consumer.length) refuse(`a consumer named ${n.readProjection.snake} already exists (${consumer.join(', ')})`);
  const aggregateType = taken(new RegExp(`_AGGREGATE = '${n.aggregate.snake}'`));
  if (aggregateType.length)
    refuse(`the aggregate type '${n.aggregate.snake}' is taken (${aggregateType.join(', ')}): pass --aggregate <name>`);
  return n;
}

function checkSchemaFree(schema: string, models: string[], tables: string[]): void {
  for (const model of models) {
    if (new RegExp(`^model ${model}\\s*\\{`, 'm').test(schema)) refuse(`schema.prisma already has a model ${model}`);
  }
  for (const table of tables) {
    if (schema.includes(`@@map("${table}")`)) refuse(`schema.prisma already has a table ${table}`);
  }
}

/** The apps' and libs' TypeScript sources (tests excluded), by path. */
async function sourceTexts(root: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const top of ['apps', 'libs']) {
    const entries = await readdir(path.join(root, top), { recursive: true, withFileTypes: true });
    for (const e of entries) {
      const file = path.join(e.parentPath, e.name);
      if (
        !e.isFile() ||
        !e.name.endsWith('.ts') ||
        /\.(spec|int-spec|e2e-spec)\.ts$/.test(e.name) ||
        file.includes(`${path.sep}generated${path.sep}`)
      )
        continue;
      texts.set(path.relative(root, file), await readFile(file, 'utf8'));
    }
  }
  return texts;
}

/**
 * A slice the generator made (or one shaped like it): its aggregate is the one domain/<aggregate>.ts
 * that declares the <Aggregate>Envelope the templates extend (beside the aggregate's class and its
 * <Aggregate>Event union).
 */
async function existingSlice(root: string, slice: string): Promise<SliceNames> {
  refuse(nameProblem('slice', slice));
  const domain = path.join(root, 'libs', slice, 'src', 'domain');
  if (!existsSync(path.join(root, 'libs', slice, 'src', `${slice}.module.ts`)))
    refuse(`there is no slice libs/${slice} (no libs/${slice}/src/${slice}.module.ts)`);
  const aggregates: SliceNames[] = [];
  for (const file of existsSync(domain) ? await readdir(domain) : []) {
    const aggregate = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\.ts$/.exec(file)?.[1];
    if (!aggregate) continue;
    const n = sliceNames(slice, aggregate);
    if ((await readFile(path.join(domain, file), 'utf8')).includes(`interface ${n.aggregate.pascal}Envelope<`))
      aggregates.push(n);
  }
  if (aggregates.length !== 1)
    refuse(
      `libs/${slice} was not made by the generator (${aggregates.length} domain/<aggregate>.ts files declare their <Aggregate>Envelope, not one): add to it by hand`,
    );
  return aggregates[0];
}

// ----- slices ---------------------------------------------------------------------------------

async function registerInApps(change: StagedChange, n: SliceNames): Promise<void> {
  const from = `@app/${n.slice.kebab}`;
  await register(change, API_MODULE, 'AppModule', 'imports', `${n.slice.pascal}Module`, from);
  await register(change, WORKER_MODULE, 'WorkerModule', 'imports', `${n.slice.pascal}WorkerModule`, from);
}

/** Imports `cls` from `from` into `file` and adds it to the `property` array of module class `moduleClass`. */
async function register(
  change: StagedChange,
  file: string,
  moduleClass: string,
  property: 'imports' | 'providers',
  cls: string,
  from: string,
): Promise<void> {
  await change.modify(file, (text) =>
    addToClassArray(file, addImport(file, text, [cls], from), moduleClass, property, cls),
  );
}

// ----- commands, queries, projections ---------------------------------------------------------

async function addCommand(change: StagedChange, n: SliceNames, useCase: string): Promise<void> {
  refuse(useCaseProblem('command', useCase));
  const c = commandNames(n, useCase);
  const src = `libs/${n.slice.kebab}/src`;
  const dir = `${src}/application/commands/${c.useCase.kebab}`;
  if (existsSync(path.join(change.root, dir))) refuse(`${dir} already exists: the slice has a command ${useCase}`);
  const domainFile = `${src}/domain/${n.aggregate.kebab}.ts`;
  const domain = await change.read(domainFile);
  if (hasClassMember(domainFile, domain, n.aggregate.pascal, c.verb.camel)) {
    refuse(`${n.aggregate.pascal} already has a method ${c.verb.camel} (the verb of ${useCase}): choose another verb`);
  }
  if (unionEventTypes(domainFile, domain, `${n.aggregate.pascal}Event`).includes(c.eventType))
    refuse(`the event type ${c.eventType} already exists`);
  for (const [file, text] of Object.entries(commandFiles(n, c))) change.create(`${dir}/${file}`, text);
  await change.modify(domainFile, (text) => {
    const withPayload = text.replace(
      new RegExp(`(\\n/\\*\\*[^\\n]*\\*/\\ninterface ${n.aggregate.pascal}Envelope<)`),
      `${commandPayload(c)}$1`,
    );
    if (withPayload === text)
      throw new SourceEditError(
        `${domainFile}: no documented ${n.aggregate.pascal}Envelope to put ${c.payload} before`,
      );
    const withEvent = addToUnion(
      domainFile,
      withPayload,
      `${n.aggregate.pascal}Event`,
      `${n.aggregate.pascal}Envelope<'${c.eventType}', ${c.payload}>`,
    );
    return addClassMember(domainFile, withEvent, n.aggregate.pascal, commandMethod(n, c));
  });
  for (const file of await projectionsOf(change.root, src)) {
    await change.modify(file, (text) => addToConstObject(file, text, 'APPLY', projectionEntry(n, c)));
  }
  await registerProvider(
    change,
    n,
    `${c.useCase.pascal}Handler`,
    `./application/commands/${c.useCase.kebab}/${c.useCase.kebab}.handler.js`,
  );
}

async function addQuery(change: StagedChange, n: SliceNames, useCase: string): Promise<void> {
  refuse(useCaseProblem('query', useCase));
  const q = nameOf(useCase);
  const src = `libs/${n.slice.kebab}/src`;
  const dir = `${src}/application/queries/${q.kebab}`;
  if (existsSync(path.join(change.root, dir))) refuse(`${dir} already exists: the slice has a query ${useCase}`);
  const port = `${src}/ports/${n.slice.kebab}.read-model.ts`;
  const adapter = `${src}/adapters/kysely-${n.slice.kebab}.read-model.ts`;
  if (hasClassMember(port, await change.read(port), `${n.slice.pascal}ReadModel`, q.camel))
    refuse(`${n.slice.pascal}ReadModel already has a method ${q.camel}`);
  for (const [file, text] of Object.entries(queryFiles(n, q))) change.create(`${dir}/${file}`, text);
  await change.modify(port, (text) => addClassMember(port, text, `${n.slice.pascal}ReadModel`, queryPortMethod(n, q)));
  await change.modify(adapter, (text) =>
    addClassMember(adapter, text, `Kysely${n.slice.pascal}ReadModel`, queryAdapterMethod(n, q)),
  );
  await registerProvider(change, n, `${q.pascal}Handler`, `./application/queries/${q.kebab}/${q.kebab}.handler.js`);
}

async function addProjection(change: StagedChange, n: SliceNames, projection: string): Promise<Name> {
  refuse(nameProblem('projection', projection));
  const p = nameOf(projection);
  const src = `libs/${n.slice.kebab}/src`;
  if (existsSync(path.join(change.root, src, 'projections', `${p.kebab}.projection.ts`)))
    refuse(`${src}/projections/${p.kebab}.projection.ts already exists`);
  const sources = await sourceTexts(change.root);
  const consumer = [...sources]
    .filter(([, text]) => text.includes(`readonly name = '${p.snake}'`))
    .map(([file]) => file);
  if (consumer.length) refuse(`a consumer named ${p.snake} already exists (${consumer.join(', ')})`);
  const schema = await change.read(SCHEMA);
  checkSchemaFree(schema, [p.pascal], [p.snake]);
  const files = projectionFiles(n, p);
  // Event types the aggregate already has beyond .created (added commands): the row follows their version.
  const domainFile = `${src}/domain/${n.aggregate.kebab}.ts`;
  const later = unionEventTypes(domainFile, await change.read(domainFile), `${n.aggregate.pascal}Event`).filter(
    (t) => t !== `${n.aggregate.snake}.created`,
  );
  for (const [file, text] of Object.entries(files)) {
    let out = text;
    if (file.endsWith('.projection.ts')) {
      for (const type of later)
        out = addToConstObject(
          file,
          out,
          'APPLY',
          `'${type}': (row, e) => row && { ...row, version: e.aggregateVersion }`,
        );
    }
    change.create(`${src}/${file}`, out);
  }
  await change.modify(SCHEMA, (text) => insertAfterModel(text, n.readModel, projectionSchema(n, p, p.pascal)));
  await register(
    change,
    `${src}/${n.slice.kebab}.module.ts`,
    `${n.slice.pascal}WorkerModule`,
    'providers',
    `${p.pascal}Projector`,
    `./projections/${p.kebab}.projector.js`,
  );
  return p;
}

async function registerProvider(change: StagedChange, n: SliceNames, cls: string, from: string): Promise<void> {
  await register(
    change,
    `libs/${n.slice.kebab}/src/${n.slice.kebab}.module.ts`,
    `${n.slice.pascal}Module`,
    'providers',
    cls,
    from,
  );
}

/** The slice's pure projections (projections/*.projection.ts): each says what every event does to its row. */
async function projectionsOf(root: string, src: string): Promise<string[]> {
  const dir = path.join(root, src, 'projections');
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => f.endsWith('.projection.ts')).map((f) => `${src}/projections/${f}`);
}

function insertAfterModel(schema: string, model: string, section: string): string {
  const match = new RegExp(`^model ${model}\\s*\\{[\\s\\S]*?^\\}\\n`, 'm').exec(schema);
  if (!match) return `${schema.trimEnd()}\n${section}`;
  const end = match.index + match[0].length;
  return `${schema.slice(0, end)}${section}${schema.slice(end)}`;
}

/**
 * `text` as Prettier writes it when the project has a Prettier configuration that covers `file`
 * (TypeScript and JSON; not ignored), else as it is: the tree's own style either way.
 */
async function formatted(root: string, file: string, text: string): Promise<string> {
  const full = path.join(root, file);
  if (!/\.(ts|json)$/.test(file)) return text;
  const config = await prettier.resolveConfig(full, { editorconfig: false });
  if (!config) return text;
  const info = await prettier.getFileInfo(full, { ignorePath: path.join(root, '.prettierignore') });
  if (info.ignored || !info.inferredParser) return text;
  return prettier.format(text, { ...config, filepath: full });
}

// ----- migration ------------------------------------------------------------------------------

/**
 * The migration for the changed schema, from the project's offline migration tool (the diff
 * `npm run db:migration` writes), run on the staged schema against the tree's migrations. It must
 * touch only the new tables: anything else means schema.prisma already had changes no migration holds.
 */
async function addMigration(
  change: StagedChange,
  options: GenerateOptions,
  tables: string[],
  name: string,
): Promise<void> {
  const scratch = await mkdtemp(path.join(tmpdir(), 'slice-schema-'));
  try {
    const schemaPath = path.join(scratch, 'schema.prisma');
    await writeFile(schemaPath, await change.read(SCHEMA));
    const sql = await (options.diff ?? migrationDiff)({
      schemaPath,
      migrationsDir: path.join(options.root, MIGRATIONS),
    });
    const foreign = statements(sql).filter((s) => !tables.some((t) => new RegExp(`(TABLE|ON) "${t}"`).test(s)));
    if (!statements(sql).length) throw new Error('the migration tool found no change in schema.prisma');
    if (foreign.length) {
      refuse(
        `schema.prisma has changes that no migration holds (${foreign[0].split('\n')[0]}...): write their migration first (npm run db:migration -- <name>)`,
      );
    }
    const stamp = await nextStamp(path.join(options.root, MIGRATIONS), (options.now ?? (() => new Date()))());
    change.create(`${MIGRATIONS}/${stamp}_${name}/migration.sql`, sql);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function statements(sql: string): string[] {
  return sql
    .split(';')
    .map((s) =>
      s
        .split('\n')
        .filter((l) => !l.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter(Boolean);
}

/** Now as YYYYMMDDHHMMSS, or one second after the newest migration if that is later (migrations apply in name order). */
async function nextStamp(dir: string, now: Date): Promise<string> {
  const stamps = (await readdir(dir))
    .map((d) => /^(\d{14})_/.exec(d)?.[1])
    .filter((s): s is string => !!s)
    .sort();
  const format = (d: Date) => d.toISOString().replace(/\D/g, '').slice(0, 14);
  const latest = stamps[stamps.length - 1];
  if (!latest || format(now) > latest) return format(now);
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(latest)!;
  return format(new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s + 1)));
}

async function regenerate(root: string): Promise<void> {
  const PATH = [path.join(root, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter);
  await promisify(execFile)(process.execPath, [path.join(root, 'prisma', 'generate.mjs')], {
    cwd: root,
    env: { ...process.env, PATH },
  });
}
