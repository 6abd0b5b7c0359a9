import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConfigError } from './config-error.js';
import { SETTING_DEFAULTS, SETTINGS, type SettingValues } from './settings.js';

/**
 * Marks a value that shipped examples (k8s/secret.example.yaml, README) leave for the operator to
 * fill in; the service refuses to start with one, whichever variable holds it.
 */
export const PLACEHOLDER_MARK = 'REPLACE_ME';

const BOOLEAN = /^(true|false|1|0|yes|no|on|off)$/i;

/** The class the settings' rules are attached to, so class-validator checks an object of it. */
class EnvironmentVariables {}
for (const [name, declared] of Object.entries(SETTINGS))
  for (const rule of declared.rules) rule(EnvironmentVariables.prototype, name);

/** A raw value read as its setting's kind; one line naming the variable when it is not one. */
function coerce(name: string, raw: string): unknown {
  const { kind } = SETTINGS[name as keyof typeof SETTINGS];
  if (kind === 'boolean') {
    if (!BOOLEAN.test(raw))
      throw new ConfigError(`Invalid configuration: ${name} must be true or false (got '${raw}')`);
    return /^(true|1|yes|on)$/i.test(raw);
  }
  if (kind === 'integer' || kind === 'number') {
    const shape = kind === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
    if (!shape.test(raw))
      throw new ConfigError(
        `Invalid configuration: ${name} must be a ${kind === 'integer' ? 'whole number' : 'number'} (got '${raw}')`,
      );
    return Number(raw);
  }
  return raw;
}

/** Reads every declared setting from `source` (empty counts as unset), defaults and validates them. */
export function readSettings(source: NodeJS.ProcessEnv): SettingValues {
  const given: Record<string, unknown> = {};
  for (const name of Object.keys(SETTINGS)) {
    const raw = source[name];
    if (raw === undefined || raw.trim() === '') continue;
    if (raw.includes(PLACEHOLDER_MARK))
      throw new ConfigError(
        `Invalid configuration: ${name} is still the example's placeholder (${PLACEHOLDER_MARK}); set a real value`,
      );
    given[name] = raw.trim();
  }
  for (const [name, raw] of Object.entries(given)) given[name] = coerce(name, raw as string);
  const values = plainToInstance(EnvironmentVariables, { ...SETTING_DEFAULTS, ...given });
  const errors = validateSync(values, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const got = first.property.endsWith('_URL') ? '' : ` (got '${String(first.value)}')`;
    throw new ConfigError(`Invalid configuration: ${message}${got}`);
  }
  return values as unknown as SettingValues;
}
