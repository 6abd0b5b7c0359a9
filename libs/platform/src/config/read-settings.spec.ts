import { ConfigError } from './config-error';
import { PLACEHOLDER_MARK, readSettings } from './read-settings';
import { SETTING_DEFAULTS, SETTINGS } from './settings';

const declared = Object.entries(SETTINGS);

/** The ConfigError message `fn` throws. */
function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('readSettings', () => {
  it('gives every declared default for an empty environment, and ignores variables it does not declare', () => {
    expect({ ...readSettings({ UNRELATED: 'x' }) }).toEqual(SETTING_DEFAULTS);
  });

  it.each(declared.filter(([, s]) => s.kind === 'integer'))(
    'reads %s as a whole number and refuses decimals and words',
    (name, s) => {
      const value = String(s.default ?? 1);
      expect(readSettings({ [name]: ` ${value} ` })[name as keyof typeof SETTINGS]).toBe(Number(value));
      expect(failure(() => readSettings({ [name]: '1.5' }))).toBe(
        `Invalid configuration: ${name} must be a whole number (got '1.5')`,
      );
      expect(failure(() => readSettings({ [name]: 'ten' }))).toBe(
        `Invalid configuration: ${name} must be a whole number (got 'ten')`,
      );
    },
  );

  it.each(declared.filter(([, s]) => s.kind === 'boolean'))('reads %s as a boolean', (name) => {
    expect(readSettings({ [name]: 'on' })[name as keyof typeof SETTINGS]).toBe(true);
    expect(readSettings({ [name]: 'NO' })[name as keyof typeof SETTINGS]).toBe(false);
    expect(failure(() => readSettings({ [name]: 'maybe' }))).toBe(
      `Invalid configuration: ${name} must be true or false (got 'maybe')`,
    );
  });

  it.each(declared.filter(([, s]) => s.kind === 'integer' || s.kind === 'number'))(
    'stops on a negative %s (below every range) with one line naming it',
    (name) => {
      const message = failure(() => readSettings({ [name]: '-1' }));
      expect(message).toMatch(
        new RegExp(`^Invalid configuration: ${name} must not be less than [0-9.]+ \\(got '-1'\\)$`),
      );
    },
  );

  it('refuses a placeholder in any declared variable, naming it', () => {
    for (const [name] of declared) {
      expect(failure(() => readSettings({ [name]: `x${PLACEHOLDER_MARK}` }))).toBe(
        `Invalid configuration: ${name} is still the example's placeholder (${PLACEHOLDER_MARK}); set a real value`,
      );
    }
  });
});
