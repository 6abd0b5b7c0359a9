import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs script without type declarations
import { build } from './ensure-built.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe("npm start's build", () => {
  it("runs package.json's build steps in order, each announced with what it does and timed", () => {
    const steps: string[] = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'))
      .scripts.build.split('&&')
      .map((s: string) => s.trim());
    const ran: string[] = [];
    const lines: string[] = [];
    let clock = 0;
    build({
      run: (command: string, env: NodeJS.ProcessEnv) => (
        ran.push(command),
        expect(env.PATH!.split(path.delimiter)[0]).toBe(path.join(root, 'node_modules', '.bin')),
        (clock += 1500)
      ),
      write: (l: string) => lines.push(l),
      now: () => clock,
    });
    expect(ran).toEqual(steps);
    expect(lines).toHaveLength(2 * steps.length + 1);
    steps.forEach((step, i) => {
      // Every step says what it is for, not only its command.
      expect(lines[2 * i]).toMatch(
        new RegExp(
          `^build ${i + 1}/${steps.length}: [a-zA-Z].* \\(${step.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\n$`,
        ),
      );
      expect(lines[2 * i + 1]).toBe(`build ${i + 1}/${steps.length}: done in 1.5 s\n`);
    });
    expect(lines.at(-1)).toBe(`build finished in ${(1.5 * steps.length).toFixed(1)} s\n`);
  });

  it('stops at the first failing step', () => {
    const ran: string[] = [];
    expect(() =>
      build({
        run: (command: string) => {
          ran.push(command);
          throw new Error('tsc failed');
        },
        write: () => undefined,
      }),
    ).toThrow('tsc failed');
    expect(ran).toHaveLength(1);
  });
});
