/**
 * The names a slice's files, classes, tables and events are built from, derived from one
 * kebab-case word list, and the rules a name must pass before anything is written.
 */

/** A kebab-case name: lowercase words of letters and digits, the first starting with a letter. */
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_LENGTH = 40;

/**
 * Words that cannot be a class, variable or table name as the templates use them: JavaScript's
 * reserved words (a camel-case name becomes a variable) and PostgreSQL's reserved key words (a
 * snake-case name becomes a table or column).
 */
const RESERVED = new Set([
  // ECMAScript reserved words and strict-mode future reserved words.
  'await',
  'break',
  'case',
  'catch',
  'class',
  'const',
  'continue',
  'debugger',
  'default',
  'delete',
  'do',
  'else',
  'enum',
  'export',
  'extends',
  'false',
  'finally',
  'for',
  'function',
  'if',
  'implements',
  'import',
  'in',
  'instanceof',
  'interface',
  'let',
  'new',
  'null',
  'package',
  'private',
  'protected',
  'public',
  'return',
  'static',
  'super',
  'switch',
  'this',
  'throw',
  'true',
  'try',
  'typeof',
  'var',
  'void',
  'while',
  'with',
  'yield',
  'arguments',
  'eval',
  'undefined',
  // PostgreSQL reserved key words (SQL Key Words appendix, "reserved" in PostgreSQL).
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'asymmetric',
  'both',
  'cast',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'current_catalog',
  'current_date',
  'current_role',
  'current_time',
  'current_timestamp',
  'current_user',
  'deferrable',
  'desc',
  'distinct',
  'end',
  'except',
  'fetch',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'initially',
  'intersect',
  'into',
  'lateral',
  'leading',
  'limit',
  'localtime',
  'localtimestamp',
  'not',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'placing',
  'primary',
  'references',
  'returning',
  'select',
  'session_user',
  'some',
  'symmetric',
  'system_user',
  'table',
  'then',
  'to',
  'trailing',
  'union',
  'unique',
  'user',
  'using',
  'variadic',
  'when',
  'where',
  'window',
]);

/** Folder names under apps/ and libs/ that are not slices, and words the project's own code takes. */
const PROJECT_WORDS = new Set([
  'api',
  'app',
  'apps',
  'cli',
  'worker',
  'libs',
  'test',
  'src',
  'index',
  'dist',
  'generated',
  'prisma',
  'node-modules',
]);

/** One name in every case the templates need. */
export interface Name {
  /** comment-threads */
  kebab: string;
  /** comment_threads */
  snake: string;
  /** commentThreads */
  camel: string;
  /** CommentThreads */
  pascal: string;
  /** COMMENT_THREADS */
  constant: string;
}

export function nameOf(kebab: string): Name {
  const words = kebab.split('-');
  const cap = (w: string) => w[0].toUpperCase() + w.slice(1);
  return {
    kebab,
    snake: words.join('_'),
    camel: words[0] + words.slice(1).map(cap).join(''),
    pascal: words.map(cap).join(''),
    constant: words.join('_').toUpperCase(),
  };
}

/** English singular of the last word, for the aggregate of a slice named in the plural (comments: comment). */
export function singular(kebab: string): string {
  const words = kebab.split('-');
  const last = words.pop()!;
  let one = last;
  if (/[^aeiou]ies$/.test(last)) one = `${last.slice(0, -3)}y`;
  else if (/(s|x|z|ch|sh)es$/.test(last)) one = last.slice(0, -2);
  else if (/[^su]s$/.test(last)) one = last.slice(0, -1);
  return [...words, one].join('-');
}

/** Why `kebab` cannot be used as the `what` (slice, aggregate, command...), or undefined when it can. */
export function nameProblem(what: string, kebab: string | undefined): string | undefined {
  if (!kebab) return `the ${what} name is missing`;
  if (!KEBAB.test(kebab))
    return `'${kebab}' is not a valid ${what} name: use kebab-case, lowercase letters and digits in words separated by '-', starting with a letter (e.g. task-comments)`;
  if (kebab.length > MAX_LENGTH)
    return `'${kebab}' is too long for a ${what} name (at most ${MAX_LENGTH} characters: table and index names derive from it)`;
  const n = nameOf(kebab);
  for (const word of new Set([kebab, n.snake, n.camel])) {
    if (RESERVED.has(word))
      return `'${kebab}' is reserved (a JavaScript or PostgreSQL key word) and cannot be the ${what} name`;
  }
  if (PROJECT_WORDS.has(kebab)) return `'${kebab}' is reserved by the project's layout and cannot be the ${what} name`;
  return undefined;
}

/** A use case's name, `<verb>-<noun>` (create-comment, list-comments). */
export function useCaseProblem(what: 'command' | 'query', kebab: string | undefined): string | undefined {
  const problem = nameProblem(what, kebab);
  if (problem) return problem;
  if (!kebab!.includes('-'))
    return `'${kebab}' is not a valid ${what} name: name a use case <verb>-<noun> (e.g. ${what === 'command' ? 'archive-comment' : 'list-comments'})`;
  return undefined;
}

/** The past participle of a verb, for an event type (archive: archived, copy: copied, add: added). */
export function pastTense(verb: string): string {
  if (verb.endsWith('e')) return `${verb}d`;
  if (/[^aeiou]y$/.test(verb)) return `${verb.slice(0, -1)}ied`;
  return `${verb}ed`;
}
