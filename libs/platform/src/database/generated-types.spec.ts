import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

/**
 * The query builder's types come from schema.prisma (prisma-kysely, `npm run generate`) into the
 * ignored generated/ folder: the types the code compiles against must be those of the schema as
 * it is, and a column renamed in the schema must break the queries that name it, at compile time.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const generated = path.join(root, 'libs/platform/src/database/generated/db.ts');
const TIMEOUT_MS = 180_000;

/** Generates the Kysely types of `schema` (schema.prisma's text) with prisma/generate.mjs, offline; returns db.ts. */
async function generate(schema: string): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kysely-types-'));
  try {
    const withOutput = schema.replace(/output\s*=\s*"[^"]*generated"/, `output = ${JSON.stringify(dir)}`);
    expect(withOutput).not.toBe(schema);
    writeFileSync(path.join(dir, 'schema.prisma'), withOutput);
    await promisify(execFile)(
      process.execPath,
      [path.join(root, 'prisma/generate.mjs'), path.join(dir, 'schema.prisma')],
      { cwd: root },
    );
    return readFileSync(path.join(dir, 'db.ts'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The type errors of a query on `tasks.owner_id` against the generated types `types`, compiled on
 * their own (the real adapters are compiled against the real ones by `npm run typecheck`).
 */
function queryErrors(types: string): string[] {
  const dir = mkdtempSync(path.join(root, 'node_modules/.cache-kysely-types-'));
  try {
    writeFileSync(path.join(dir, 'db.ts'), types);
    const probe = path.join(dir, 'probe.ts');
    writeFileSync(
      probe,
      `import type { Kysely } from 'kysely';\nimport type { DB } from './db.js';\n` +
        `export const owned = (db: Kysely<DB>, owner: string) => db.selectFrom('tasks').select(['id', 'title']).where('owner_id', '=', owner).execute();\n`,
    );
    const program = ts.createProgram([probe], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
    });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const schema = readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8');

it(
  'the generated Kysely types are those of schema.prisma as it is (run `npm run generate` after editing it)',
  async () => {
    expect(readFileSync(generated, 'utf8')).toBe(await generate(schema));
  },
  TIMEOUT_MS,
);

it(
  'a column renamed in schema.prisma breaks the queries that name it, at compile time',
  async () => {
    expect(queryErrors(readFileSync(generated, 'utf8'))).toEqual([]);
    // tasks.owner_id -> tasks.owner: where('owner_id', ...) no longer compiles.
    const renamed = schema.replace(/(model Task \{[^}]*ownerId\s+String\s+@map\(")owner_id("\))/, '$1owner$2');
    expect(renamed).not.toBe(schema);
    expect(queryErrors(await generate(renamed)).join('\n')).toMatch(/owner_id/);
  },
  TIMEOUT_MS,
);
