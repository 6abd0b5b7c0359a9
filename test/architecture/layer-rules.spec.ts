import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Every rule of .dependency-cruiser.cjs fails `npm run lint:deps` when a file breaks it. The
 * violations are planted in a scratch copy of apps/ and libs/, never in the real tree, so suites
 * running in parallel (and the build) never see them.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LINT_TIMEOUT_MS = 180_000;

interface Plant {
  file: string;
  source: string;
  rule: string;
  /** Imported from its lib's index.ts, so that no-unreferenced-files leaves it alone. */
  referenced?: boolean;
  /** Other files the violation needs (the other end of a cycle, importers); their reports count as the plant's. */
  companions?: { file: string; source: string }[];
}

const plants: Plant[] = [
  // domain/ imports only its slice's domain and @app/shared-kernel
  {
    rule: 'domain-allow-list',
    file: 'libs/tasks/src/domain/planted-node-builtin.ts',
    source: "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  },
  {
    rule: 'domain-allow-list',
    file: 'libs/tasks/src/domain/planted-otel.ts',
    source: "import { trace } from '@opentelemetry/api';\nexport const tracer = trace;\n",
  },
  {
    rule: 'domain-allow-list',
    file: 'libs/tasks/src/domain/planted-class-validator.ts',
    source: "import { IsString } from 'class-validator';\nexport const rule = IsString;\n",
  },
  {
    rule: 'domain-allow-list',
    file: 'libs/tasks/src/domain/planted-engine.ts',
    source: "import type { EventsEngine } from '@app/events';\nexport type Engine = EventsEngine;\n",
  },
  {
    rule: 'domain-allow-list',
    file: 'libs/tasks/src/domain/planted-event-store.ts',
    source: "import type { EventStore } from '@app/events/ports';\nexport type Store = EventStore;\n",
  },
  {
    rule: 'domain-allow-list',
    file: 'libs/tasks/src/domain/planted-port.ts',
    source:
      "import type { TaskRepository } from '../ports/task.repository.js';\nexport type Repository = TaskRepository;\n",
  },
  {
    rule: 'domain-allow-list',
    file: 'libs/tasks/src/domain/planted-other-slice.ts',
    source: "import type { AuthenticatedUser } from '@app/access';\nexport type User = AuthenticatedUser;\n",
  },
  // application/ adds its ports, @nestjs/cqrs and published ports
  {
    rule: 'application-allow-list',
    file: 'libs/tasks/src/application/planted-nest-common.ts',
    source: "import { Injectable } from '@nestjs/common';\nexport const decorate = Injectable;\n",
  },
  {
    rule: 'application-allow-list',
    file: 'libs/tasks/src/application/planted-pino.ts',
    source: "import pino from 'pino';\nexport const log = pino;\n",
  },
  {
    rule: 'application-allow-list',
    file: 'libs/tasks/src/application/planted-engine.ts',
    source: "import { EventsEngine } from '@app/events';\nexport const engine = EventsEngine;\n",
  },
  {
    rule: 'application-allow-list',
    file: 'libs/tasks/src/application/planted-platform.ts',
    source: "import * as platform from '@app/platform';\nexport const wrapped = platform;\n",
  },
  {
    rule: 'application-allow-list',
    file: 'libs/tasks/src/application/planted-adapter.ts',
    source: "import { RedisTaskCache } from '../adapters/redis-task.cache.js';\nexport const cache = RedisTaskCache;\n",
  },
  {
    rule: 'application-allow-list',
    file: 'libs/tasks/src/application/planted-projection.ts',
    source:
      "import { projectTaskEvent } from '../projections/tasks-read.projection.js';\nexport const project = projectTaskEvent;\n",
  },
  // ports/ import nothing concrete
  {
    rule: 'ports-allow-list',
    file: 'libs/tasks/src/ports/planted-adapter.ts',
    source: "import { RedisTaskCache } from '../adapters/redis-task.cache.js';\nexport const cache = RedisTaskCache;\n",
  },
  {
    rule: 'ports-allow-list',
    file: 'libs/tasks/src/ports/planted-pg.ts',
    source: "import type { Pool } from 'pg';\nexport type Connections = Pool;\n",
  },
  {
    rule: 'ports-allow-list',
    file: 'libs/tasks/src/ports/planted-nest.ts',
    source: "import { Injectable } from '@nestjs/common';\nexport const decorate = Injectable;\n",
  },
  {
    rule: 'ports-allow-list',
    file: 'libs/tasks/src/ports/planted-application.ts',
    source:
      "import { CreateTaskCommand } from '../application/commands/create-task/create-task.command.js';\nexport const command = CreateTaskCommand;\n",
  },
  {
    rule: 'published-ports-allow-list',
    file: 'libs/events/src/ports/planted-engine.ts',
    source: "import { EventsEngine } from '../engine/events-engine.js';\nexport const engine = EventsEngine;\n",
  },
  {
    rule: 'shared-kernel-allow-list',
    file: 'libs/shared-kernel/src/planted-nest.ts',
    source: "import { Injectable } from '@nestjs/common';\nexport const decorate = Injectable;\n",
  },
  // frameworks at the edges
  {
    rule: 'infrastructure-at-the-edges',
    file: 'libs/tasks/src/planted-feature/planted-pg.ts',
    source: "import { Pool } from 'pg';\nexport const connections = Pool;\n",
  },
  {
    rule: 'infrastructure-at-the-edges',
    file: 'libs/tasks/src/planted-feature/planted-nest.ts',
    source: "import { Injectable } from '@nestjs/common';\nexport const decorate = Injectable;\n",
  },
  {
    rule: 'infrastructure-at-the-edges',
    file: 'libs/tasks/src/planted-feature/planted-platform.ts',
    source: "import * as platform from '@app/platform';\nexport const wrapped = platform;\n",
  },
  // slices meet through index.ts and published ports
  {
    rule: 'no-reaching-into-other-slices',
    file: 'libs/tasks/src/http/planted-reach.ts',
    source:
      "import { normaliseEmail } from '../../../signup/src/domain/user.js';\nexport const normalise = normaliseEmail;\n",
  },
  {
    rule: 'no-circular',
    file: 'libs/tasks/src/http/planted-cycle-a.ts',
    source: "import { b } from './planted-cycle-b.js';\nexport const a = () => b();\n",
    companions: [
      {
        file: 'libs/tasks/src/http/planted-cycle-b.ts',
        source: "import { a } from './planted-cycle-a.js';\nexport const b = () => a();\n",
      },
    ],
  },
  // dead files
  { rule: 'no-orphans', file: 'apps/cli/src/planted-orphan.ts', source: 'export const unused = 1;\n' },
  {
    rule: 'no-unreferenced-files',
    file: 'libs/tasks/src/planted-unreferenced.ts',
    source: "import { Task } from './domain/task.js';\nexport const task = Task;\n",
  },
  // names
  { rule: 'file-names-kebab-case', file: 'libs/platform/src/PlantedName.ts', source: 'export const name = 1;\n' },
  { rule: 'file-role-names', file: 'libs/tasks/src/domain/planted.controller.ts', source: 'export const role = 1;\n' },
  { rule: 'file-role-names', file: 'libs/tasks/src/http/planted.model.ts', source: 'export const role = 1;\n' },
  {
    rule: 'file-role-names',
    file: 'libs/tasks/src/adapters/planted-commands.command.ts',
    source: 'export const role = 1;\n',
  },
  { rule: 'file-role-names', file: 'libs/tasks/src/ports/planted.subscriber.ts', source: 'export const role = 1;\n' },
  { rule: 'file-role-names', file: 'libs/tasks/src/http/planted.module.ts', source: 'export const role = 1;\n' },
  {
    // Name rules judge each file through its dependents in two bounds (<100, >99): this one is above.
    rule: 'file-role-names',
    file: 'libs/tasks/src/http/planted-popular.model.ts',
    source: 'export const role = 1;\n',
    companions: Array.from({ length: 100 }, (_, i) => ({
      file: `apps/cli/src/planted-importer-${i}.ts`,
      source: `import { role } from '../../../libs/tasks/src/http/planted-popular.model.js';\nexport const copy${i} = role;\n`,
    })),
  },
  {
    rule: 'use-case-file-names',
    file: 'libs/tasks/src/application/commands/create-task/planted-task.command.ts',
    source: 'export const role = 1;\n',
  },
  {
    rule: 'use-case-file-names',
    file: 'libs/tasks/src/application/queries/get-task/list-tasks.handler.ts',
    source: 'export const role = 1;\n',
  },
  {
    rule: 'file-role-names',
    file: 'libs/tasks/src/application/commands/create-task/create-task.query.ts',
    source: 'export const role = 1;\n',
  },
].map((p) => ({ referenced: !['no-circular', 'no-orphans', 'no-unreferenced-files'].includes(p.rule), ...p }));

interface Violation {
  rule: string;
  from: string;
}

/** Runs `npm run lint:deps`'s command as it is (its report lists `error <rule>: <file> → <dependency>`). */
function lintDeps(cwd: string): Promise<{ exitCode: number; violations: Violation[]; output: string }> {
  const script = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts['lint:deps'] as string;
  const [command, ...args] = script.split(/\s+/);
  expect(command).toBe('depcruise');
  const bin = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      // Not an exit code: the command did not run (ExecFileException is an Error, by structure only).
      const failure: Error | null = error && typeof error.code !== 'number' ? error : null;
      if (failure) return reject(failure);
      const output = `${stdout}${stderr}`;
      const violations = [...output.matchAll(/^\s*error (\S+): (\S+)/gm)].map(([, rule, from]) => ({ rule, from }));
      resolve({ exitCode: error ? Number(error.code) : 0, violations, output });
    });
  });
}

/**
 * apps/, libs/ and the lint's configuration, with node_modules linked rather than copied. Generated
 * code is left out: the lint excludes it, and a build running beside this test may rewrite it.
 */
function scratchCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'layer-rules-'));
  const notGenerated = (source: string) => path.basename(source) !== 'generated';
  for (const entry of ['apps', 'libs'])
    cpSync(path.join(root, entry), path.join(dir, entry), { recursive: true, filter: notGenerated });
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json', 'tsconfig.base.json', 'package.json'])
    cpSync(path.join(root, file), path.join(dir, file));
  symlinkSync(realpathSync(path.join(root, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function plant(dir: string, p: Plant): void {
  for (const { file, source } of [p, ...(p.companions ?? [])]) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), source);
  }
  if (p.referenced) {
    const lib = /^libs\/[^/]+\/src\//.exec(p.file)![0];
    const specifier = `./${p.file.slice(lib.length).replace(/\.ts$/, '.js')}`;
    appendFileSync(path.join(dir, lib, 'index.ts'), `import '${specifier}';\n`);
  }
}

describe('layer rules (npm run lint:deps)', () => {
  it(
    'pass on the tree as it is',
    async () => {
      const { exitCode, violations, output } = await lintDeps(root);
      expect(violations).toEqual([]);
      expect(output).toContain('no dependency violations found');
      expect(exitCode).toBe(0);
    },
    LINT_TIMEOUT_MS,
  );

  it(
    "fail with the broken rule's name for each planted violation, and only for the planted files",
    async () => {
      const dir = scratchCopy();
      try {
        for (const p of plants) plant(dir, p);
        const { exitCode, violations } = await lintDeps(dir);
        expect(exitCode).not.toBe(0);

        const plantOf = new Map(
          plants.flatMap((p) => [p, ...(p.companions ?? [])].map((f) => [f.file, p.file] as const)),
        );
        const found = new Map<string, Set<string>>();
        for (const v of violations) {
          const key = plantOf.get(v.from) ?? `not planted: ${v.from}`;
          found.set(key, (found.get(key) ?? new Set()).add(v.rule));
        }
        const asObject = (m: Map<string, Set<string>>) =>
          Object.fromEntries([...m].map(([file, rules]) => [file, [...rules].sort()]));
        expect(asObject(found)).toEqual(Object.fromEntries(plants.map((p) => [p.file, [p.rule]])));

        const config = createRequire(import.meta.url)(path.join(root, '.dependency-cruiser.cjs')) as {
          forbidden: { name: string }[];
        };
        const ruleNames = config.forbidden.map((r) => r.name);
        expect(new Set(plants.map((p) => p.rule))).toEqual(new Set(ruleNames));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    LINT_TIMEOUT_MS,
  );
});
