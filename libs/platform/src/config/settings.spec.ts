import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS } from './settings';

/** README's configuration table: variable name -> the Default cell. */
function readmeRows(): Map<string, string> {
  const readme = readFileSync(
    path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../README.md'),
    'utf8',
  );
  const section = readme.slice(
    readme.indexOf('\n## Configuration\n'),
    readme.indexOf('\n## ', readme.indexOf('\n## Configuration\n') + 1),
  );
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((l) => /^\| `/.test(l))) {
    const [name, defaultCell] = line.split(' | ').map((cell) => cell.replace(/^\| /, '').trim());
    expect(name).toMatch(/^`[A-Z0-9_]+`$/); // one variable per row
    expect(rows.has(name)).toBe(false);
    rows.set(name.slice(1, -1), defaultCell);
  }
  return rows;
}

describe("README's configuration table", () => {
  const rows = readmeRows();

  it.each(Object.entries(SETTINGS))('has a row for %s with its declared default', (name, declared) => {
    expect(rows.has(name)).toBe(true);
    const cell = rows.get(name)!;
    if (declared.default === undefined)
      expect(cell).not.toMatch(/^`/); // "unset", or when it applies
    else
      expect(cell).toMatch(new RegExp(`^\`${String(declared.default).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`( |$)`));
  });

  it('names no variable beyond the declared ones but the OpenTelemetry SDK ones, which the loader does not read', () => {
    const undeclared = [...rows.keys()].filter((name) => !(name in SETTINGS));
    expect(undeclared.filter((name) => !name.startsWith('OTEL_'))).toEqual([]);
    expect(undeclared.length).toBeGreaterThan(0);
    expect(Object.keys(SETTINGS).filter((name) => name.startsWith('OTEL_'))).toEqual([]);
  });
});

describe('the settings declarations', () => {
  it.each(Object.entries(SETTINGS))(
    '%s has a kind matching its default, a one-line doc and rules',
    (name, declared) => {
      if (declared.default !== undefined) {
        const expected = { string: 'string', integer: 'number', number: 'number', boolean: 'boolean' }[declared.kind];
        expect(typeof declared.default).toBe(expected);
        if (declared.kind === 'integer') expect(Number.isInteger(declared.default)).toBe(true);
      }
      expect(declared.doc).toMatch(/^[^\n]{5,}$/);
      expect(declared.rules.length).toBeGreaterThan(0);
    },
  );
});
