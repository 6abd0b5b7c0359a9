import type { GenerateRequest } from './generate.js';

const USAGE = `usage: npm run generate:slice -- <slice> [--aggregate <name>]
       npm run generate:slice -- <slice> command <verb-noun>
       npm run generate:slice -- <slice> query <verb-noun>
       npm run generate:slice -- <slice> projection <name>
names are kebab-case (task-comments); the aggregate defaults to the singular of the slice's name`;

/** The request the command line asks for, or the usage text when it asks for nothing valid. */
export function parseArguments(args: string[]): GenerateRequest | string {
  const [slice, kind, name, ...rest] = args;
  if (!slice || slice.startsWith('-')) return USAGE;
  if (kind === undefined) return { kind: 'slice', slice };
  if (kind === '--aggregate') return name && !rest.length ? { kind: 'slice', slice, aggregate: name } : USAGE;
  if ((kind === 'command' || kind === 'query' || kind === 'projection') && name && !rest.length)
    return { kind, slice, name };
  return USAGE;
}
