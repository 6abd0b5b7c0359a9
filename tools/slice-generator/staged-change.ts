import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A change to a source tree, built in memory and applied as one step: every new and changed file
 * is first written to a staging folder inside the tree (same file system, so a rename is atomic),
 * then moved into place. If any move fails, the moves already made are undone, so the tree is
 * either changed as a whole or not at all.
 */
export class StagedChange {
  private readonly created = new Map<string, string>();
  private readonly modified = new Map<string, { before: string; after: string }>();

  constructor(readonly root: string) {}

  /** A new file (path relative to the root); it must not exist when the change is applied. */
  create(file: string, content: string): void {
    if (this.created.has(file) || this.modified.has(file)) throw new Error(`${file} is written twice by one change`);
    this.created.set(file, content);
  }

  /** The current text of `file`: the staged text if this change already modifies or creates it. */
  async read(file: string): Promise<string> {
    const created = this.created.get(file);
    if (created !== undefined) return created;
    const modified = this.modified.get(file);
    if (modified) return modified.after;
    return readFile(path.join(this.root, file), 'utf8');
  }

  /** Replaces an existing file's text; applying fails if the file changed since it was read. */
  async modify(file: string, edit: (text: string) => string): Promise<void> {
    const created = this.created.get(file);
    if (created !== undefined) {
      this.created.set(file, edit(created));
      return;
    }
    const current = this.modified.get(file);
    const before = current?.before ?? (await readFile(path.join(this.root, file), 'utf8'));
    this.modified.set(file, { before, after: edit(current?.after ?? before) });
  }

  /** Rewrites the staged text of every new and changed file (e.g. to format it). */
  async rewrite(edit: (file: string, text: string) => Promise<string>): Promise<void> {
    for (const [file, text] of this.created) this.created.set(file, await edit(file, text));
    for (const [file, m] of this.modified) m.after = await edit(file, m.after);
  }

  get createdFiles(): string[] {
    return [...this.created.keys()].sort();
  }

  get modifiedFiles(): string[] {
    return [...this.modified.keys()].sort();
  }

  /** Writes the change into the tree, or leaves the tree as it was and throws. */
  async apply(): Promise<void> {
    const staging = path.join(this.root, `.staged-change-${randomBytes(4).toString('hex')}`);
    const undo: (() => Promise<void>)[] = [];
    try {
      await mkdir(staging);
      const staged = new Map<string, string>();
      let n = 0;
      for (const [file, content] of [...[...this.modified].map(([f, m]) => [f, m.after] as const), ...this.created]) {
        const at = path.join(staging, String(n++));
        await writeFile(at, content);
        staged.set(file, at);
      }
      for (const file of this.created.keys()) {
        if (existsSync(path.join(this.root, file)))
          throw new Error(`${file} appeared while the change was being prepared`);
      }
      for (const [file, { before }] of this.modified) {
        if ((await readFile(path.join(this.root, file), 'utf8')) !== before)
          throw new Error(`${file} changed while the change was being prepared`);
      }
      for (const [file, at] of staged) {
        const target = path.join(this.root, file);
        if (this.modified.has(file)) {
          const backup = `${at}.before`;
          await rename(target, backup);
          undo.push(() => rename(backup, target));
        } else {
          for (const dir of missingDirs(this.root, path.dirname(target))) {
            await mkdir(dir);
            undo.push(() => rmdir(dir));
          }
        }
        await rename(at, target);
        undo.push(() => rm(target));
      }
      undo.length = 0;
    } catch (err) {
      for (const step of undo.reverse()) await step();
      throw err;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}

/** The folders from the root down to `dir` that do not exist yet, outermost first. */
function missingDirs(root: string, dir: string): string[] {
  const missing: string[] = [];
  for (let d = dir; d !== root && !existsSync(d); d = path.dirname(d)) missing.unshift(d);
  return missing;
}
