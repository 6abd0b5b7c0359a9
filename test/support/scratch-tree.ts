import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ScratchTree {
  dir: string;
  /** A digest of every file in the copy (node_modules and generated code aside): equal digests, equal trees. */
  fingerprint(): Promise<string>;
  remove(): Promise<void>;
}

/** Folders a fingerprint skips: the shared dependencies and what `npm run generate` rewrites. */
const SKIP = new Set(['node_modules', 'generated', '.git']);

/**
 * A copy of the source tree at `root` in a temporary folder: the files git tracks or would track
 * (uncommitted work included, ignored files not), the generated Prisma client, and node_modules
 * as a symlink to the real one. For tests that change the tree (the slice generator) and then run
 * the project's own checks on it.
 */
export async function scratchTree(root: string): Promise<ScratchTree> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tb-scratch-'));
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = [...new Set(stdout.split('\0').filter(Boolean))];
  const made = new Set<string>();
  for (const file of files) {
    const from = path.join(root, file);
    if (!existsSync(from)) continue; // deleted in the work tree, not yet in git
    const parent = path.dirname(path.join(dir, file));
    if (!made.has(parent)) {
      await mkdir(parent, { recursive: true });
      made.add(parent);
    }
    await cp(from, path.join(dir, file));
  }
  const generated = 'libs/platform/src/database/generated';
  if (existsSync(path.join(root, generated)))
    await cp(path.join(root, generated), path.join(dir, generated), { recursive: true });
  await symlink(await realpath(path.join(root, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  return {
    dir,
    fingerprint: () => fingerprint(dir),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

async function fingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const walk = async (at: string): Promise<void> => {
    const entries = (await readdir(at, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (SKIP.has(e.name)) continue;
      const full = path.join(at, e.name);
      if (e.isDirectory()) {
        hash.update(`d ${path.relative(dir, full)}\n`);
        await walk(full);
      } else {
        hash.update(`f ${path.relative(dir, full)}\n`).update(await readFile(full));
      }
    }
  };
  await walk(dir);
  return hash.digest('hex');
}
