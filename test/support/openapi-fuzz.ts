import fc from 'fast-check';

/** The parts of an OpenAPI 3 document the fuzzer reads. */
export interface JsonSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  example?: unknown;
  default?: unknown;
  nullable?: boolean;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        parameters?: Parameter[];
        requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
        security?: unknown[];
      }
    >
  >;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One operation of the document, its schemas resolved. */
export interface Operation {
  id: string;
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query' | 'header'; schema: JsonSchema }[];
  body?: JsonSchema;
  secured: boolean;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (schema: JsonSchema | undefined): JsonSchema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(doc.components?.schemas?.[schema.$ref.split('/').pop()!]);
    if (schema.allOf)
      return schema.allOf.map(resolve).reduce(
        (a, b) => ({
          ...a,
          ...b,
          properties: { ...a.properties, ...b.properties },
          required: [...(a.required ?? []), ...(b.required ?? [])],
        }),
        {},
      );
    const properties = schema.properties
      ? Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, resolve(v)]))
      : undefined;
    return {
      ...schema,
      ...(properties ? { properties } : {}),
      ...(schema.items ? { items: resolve(schema.items) } : {}),
    };
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const params = (op.parameters ?? [])
        .filter((p) => p.in !== 'cookie')
        .map((p) => ({ name: p.name, in: p.in as 'path' | 'query' | 'header', schema: resolve(p.schema) }));
      const json = op.requestBody?.content?.['application/json'];
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        params,
        body: json ? resolve(json.schema) : undefined,
        secured: (op.security ?? []).length > 0,
      });
    }
  }
  return operations;
}

/** Text no service should choke on: NUL, unpaired surrogates, long, odd Unicode, injection-looking. */
export const EDGE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udc00\ud800',
  '\ud83d\ude00',
  'x'.repeat(10_000),
  '\u202e\ufeff\u200b',
  '%00%ZZ%',
  "'; DROP TABLE users; --",
  '../../etc/passwd',
  '-1',
  '1e309',
  'null',
  '2026-02-30T25:61:00Z',
];

/** Numbers at and past the usual limits. */
export const EDGE_NUMBERS: readonly number[] = [
  0,
  -0,
  -1,
  1,
  0.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 53,
  -(2 ** 53) - 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
];

/** Values of the wrong JSON type for whatever the schema says. */
export const WRONG_TYPES: readonly unknown[] = [
  null,
  true,
  false,
  [],
  {},
  ['a'],
  { nested: { deeper: [1] } },
  12345,
  'text',
];

/** Edge values for one field: the generic ones plus its schema's bounds crossed. */
export function edgeValuesFor(schema: JsonSchema): unknown[] {
  const bounds: unknown[] = [];
  if (schema.minLength !== undefined) bounds.push('y'.repeat(Math.max(0, schema.minLength - 1)));
  if (schema.maxLength !== undefined)
    bounds.push(
      'y'.repeat(schema.maxLength),
      'y'.repeat(schema.maxLength + 1),
      '\ud83d\ude00'.repeat(schema.maxLength),
    );
  if (schema.minimum !== undefined) bounds.push(schema.minimum, schema.minimum - 1);
  if (schema.maximum !== undefined) bounds.push(schema.maximum, schema.maximum + 1);
  return [...EDGE_STRINGS, ...EDGE_NUMBERS, ...WRONG_TYPES, ...bounds];
}

/** Values the schema allows (or nearly: formats are approximated). */
export function validArbitrary(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.enum?.length) return fc.constantFrom(...schema.enum);
  const examples = [schema.example, schema.default].filter((v) => v !== undefined);
  const withExamples = (arb: fc.Arbitrary<unknown>) =>
    examples.length ? fc.oneof(fc.constantFrom(...examples), arb) : arb;
  if (schema.format === 'date-time' || schema.format === 'date')
    return fc
      .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((d) => d.toISOString());
  if (schema.format === 'uuid') return fc.uuid();
  if (schema.format === 'email') return fc.emailAddress();
  switch (schema.type) {
    case 'integer':
      return withExamples(fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 }));
    case 'number':
      return withExamples(
        fc.oneof(
          fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 }),
          fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true }),
        ),
      );
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 3 ? fc.constant([]) : fc.array(validArbitrary(schema.items ?? {}, depth + 1), { maxLength: 4 });
    case 'object':
      if (!schema.properties) return fc.constant({});
      return depth > 3 ? fc.constant({}) : objectArbitrary(schema, (s) => validArbitrary(s, depth + 1));
    default:
      return withExamples(
        fc.string({
          minLength: schema.minLength ?? 0,
          maxLength: Math.min(schema.maxLength ?? 40, 40),
          unit: fc.oneof(
            fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789 -_@.'),
            fc.constantFrom('é', '中', '\ud83d\ude00'),
          ),
        }),
      );
  }
}

function objectArbitrary(
  schema: JsonSchema,
  field: (s: JsonSchema) => fc.Arbitrary<unknown>,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const record = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, field(v)]));
  return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
}

/** Any value for a field: mostly valid, otherwise an edge value or a wrong type. */
export function hostileArbitrary(schema: JsonSchema): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 3, arbitrary: validArbitrary(schema) },
    { weight: 2, arbitrary: fc.constantFrom(...edgeValuesFor(schema)) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 3 }) },
  );
}

/** A JSON body for a schema: its fields hostile or valid, sometimes an unknown field, sometimes not an object at all. */
export function bodyArbitrary(schema: JsonSchema): fc.Arbitrary<unknown> {
  const fields = objectArbitrary(schema, hostileArbitrary);
  return fc.oneof(
    { weight: 6, arbitrary: fields },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fields, fc.string({ minLength: 1, maxLength: 12 }), fc.anything({ maxDepth: 2 }))
        .map(([o, k, v]) => ({ ...o, [k]: v })),
    },
    { weight: 1, arbitrary: fc.constantFrom(...WRONG_TYPES, ...EDGE_STRINGS.slice(0, 6)) },
  );
}

/**
 * Percent-encodes a path segment or query value. A lone surrogate has no UTF-8 form
 * (encodeURIComponent throws): it is sent as the bytes a careless encoder would write (CESU-8).
 */
export function encodeComponent(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    out +=
      ch.length === 1 && code >= 0xd800 && code <= 0xdfff
        ? [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
            .map((b) => `%${b.toString(16).toUpperCase()}`)
            .join('')
        : encodeURIComponent(ch);
  }
  return out;
}

/** How a value goes into a URL or a header: strings as they are, anything else as JSON. */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}
