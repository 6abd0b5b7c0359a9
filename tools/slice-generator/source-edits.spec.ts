import {
  addClassMember,
  addNestCliLibrary,
  addImport,
  addToClassArray,
  addToConstObject,
  addToUnion,
  hasClassMember,
  SourceEditError,
  unionEventTypes,
} from './source-edits';

const MODULE = `import { Module } from '@nestjs/common';
import { TasksModule } from '@app/tasks';
import { WorkerModule } from '../../worker/src/worker.module.js';

@Module({})
export class AppModule {
  static forRoot(config: { worker: boolean }) {
    return { module: AppModule, imports: [TasksModule, ...(config.worker ? [WorkerModule] : [])] };
  }
}
`;

describe('source edits', () => {
  it('adds an import beside those of its kind, and a name to an existing import', () => {
    expect(addImport('m.ts', MODULE, ['NotesModule'], '@app/notes')).toContain(
      `import { TasksModule } from '@app/tasks';\nimport { NotesModule } from '@app/notes';\nimport { WorkerModule }`,
    );
    expect(addImport('m.ts', MODULE, ['Global'], '@nestjs/common')).toContain(
      `import { Module, Global } from '@nestjs/common';`,
    );
  });

  it('adds to an array after its last plain element, before spreads, keeping one line or one element per line', () => {
    expect(addToClassArray('m.ts', MODULE, 'AppModule', 'imports', 'NotesModule')).toContain(
      'imports: [TasksModule, NotesModule, ...(config.worker',
    );
    const multi = `@Module({\n  providers: [\n    A,\n    B,\n  ],\n})\nexport class M {}\n`;
    expect(addToClassArray('m.ts', multi, 'M', 'providers', 'C')).toBe(
      `@Module({\n  providers: [\n    A,\n    B,\n    C,\n  ],\n})\nexport class M {}\n`,
    );
    expect(() => addToClassArray('m.ts', multi, 'M', 'providers', 'A')).toThrow(/A is already in M's providers/);
    expect(() => addToClassArray('m.ts', multi, 'M', 'controllers', 'X')).toThrow(SourceEditError);
  });

  it('adds a union member, an object property and a class member; reads the event types of a union', () => {
    const events = `type E<T, P> = { type: T; payload: P };\nexport type AnEvent =\n  | E<'a.created', A>;\n`;
    const more = addToUnion('e.ts', events, 'AnEvent', `E<'a.archived', B>`);
    expect(more).toBe(
      `type E<T, P> = { type: T; payload: P };\nexport type AnEvent =\n  | E<'a.created', A>\n  | E<'a.archived', B>;\n`,
    );
    expect(unionEventTypes('e.ts', more, 'AnEvent')).toEqual(['a.created', 'a.archived']);
    const apply = `const APPLY: X = {\n  'a.created': (row) => row,\n};\n`;
    expect(addToConstObject('p.ts', apply, 'APPLY', `'a.archived': (row) => row`)).toBe(
      `const APPLY: X = {\n  'a.created': (row) => row,\n  'a.archived': (row) => row,\n};\n`,
    );
    const cls = `export class A {\n  get id(): string {\n    return '';\n  }\n}\n`;
    const withMember = addClassMember('a.ts', cls, 'A', 'go(): void {\n  return;\n}');
    expect(withMember).toBe(
      `export class A {\n  get id(): string {\n    return '';\n  }\n\n  go(): void {\n    return;\n  }\n}\n`,
    );
    expect([hasClassMember('a.ts', withMember, 'A', 'go'), hasClassMember('a.ts', cls, 'A', 'go')]).toEqual([
      true,
      false,
    ]);
  });

  it('adds a lib to nest-cli.json: a line like the others, or the whole JSON when they are not one a line', () => {
    const lines = `{\n  "projects": {\n    "api": { "type": "application", "root": "apps/api" },\n    "tasks": { "type": "library", "root": "libs/tasks", "entryFile": "index", "sourceRoot": "libs/tasks/src" }\n  }\n}\n`;
    expect(addNestCliLibrary('nest-cli.json', lines, 'notes')).toBe(
      `{\n  "projects": {\n    "api": { "type": "application", "root": "apps/api" },\n    "tasks": { "type": "library", "root": "libs/tasks", "entryFile": "index", "sourceRoot": "libs/tasks/src" },\n    "notes": { "type": "library", "root": "libs/notes", "entryFile": "index", "sourceRoot": "libs/notes/src" }\n  }\n}\n`,
    );
    const spread = JSON.stringify({ projects: { tasks: { type: 'library', root: 'libs/tasks' } } }, null, 2);
    expect(JSON.parse(addNestCliLibrary('nest-cli.json', spread, 'notes')).projects.notes).toEqual({
      type: 'library',
      root: 'libs/notes',
      entryFile: 'index',
      sourceRoot: 'libs/notes/src',
    });
  });
});
