import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StagedChange } from './staged-change';

/** Every file under `dir` with its text, for comparing a tree before and after. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(e.parentPath, e.name);
    out[path.relative(dir, full) + (e.isDirectory() ? '/' : '')] = e.isDirectory() ? '' : await readFile(full, 'utf8');
  }
  return out;
}

describe('StagedChange on a real file system', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'staged-change-'));
    await mkdir(path.join(root, 'apps'));
    await writeFile(path.join(root, 'apps/app.ts'), 'before\n');
    await writeFile(path.join(root, 'schema'), 'one\n');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes new files (folders included) and changed files, leaving no staging folder', async () => {
    const change = new StagedChange(root);
    change.create('libs/notes/src/index.ts', 'export {};\n');
    await change.modify('apps/app.ts', (t) => t.replace('before', 'after'));
    await change.modify('apps/app.ts', (t) => `${t}more\n`);
    expect(await change.read('apps/app.ts')).toBe('after\nmore\n');
    await change.apply();
    expect(await tree(root)).toEqual({
      'apps/': '',
      'apps/app.ts': 'after\nmore\n',
      'libs/': '',
      'libs/notes/': '',
      'libs/notes/src/': '',
      'libs/notes/src/index.ts': 'export {};\n',
      schema: 'one\n',
    });
  });

  it('undoes every move already made when one fails, and removes the folders it made', async () => {
    const before = await tree(root);
    const change = new StagedChange(root);
    await change.modify('apps/app.ts', () => 'after\n');
    change.create('libs/notes/src/index.ts', 'export {};\n');
    // A file where the change needs a folder: the move into it fails (ENOTDIR) after the others were made.
    change.create('schema/notes.prisma', 'model Note {}\n');
    await expect(change.apply()).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(await tree(root)).toEqual(before);
    expect(existsSync(path.join(root, 'libs'))).toBe(false);
  });

  it('refuses to apply over a file that changed, or a new file that appeared, since the change was prepared', async () => {
    const change = new StagedChange(root);
    await change.modify('apps/app.ts', () => 'after\n');
    await writeFile(path.join(root, 'apps/app.ts'), 'someone else\n');
    await expect(change.apply()).rejects.toThrow('apps/app.ts changed while the change was being prepared');
    expect(await readFile(path.join(root, 'apps/app.ts'), 'utf8')).toBe('someone else\n');

    const creating = new StagedChange(root);
    creating.create('apps/new.ts', 'mine\n');
    await writeFile(path.join(root, 'apps/new.ts'), 'theirs\n');
    await expect(creating.apply()).rejects.toThrow('apps/new.ts appeared while the change was being prepared');
    expect(await readFile(path.join(root, 'apps/new.ts'), 'utf8')).toBe('theirs\n');
  });
});
