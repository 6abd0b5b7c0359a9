import ts from 'typescript';

/**
 * Small insertions into TypeScript sources, located through the compiler's syntax tree and
 * spliced into the text, so everything else in the file (formatting, comments) stays as it was.
 * Each throws a SourceEditError naming what it could not find, rather than guessing.
 */
export class SourceEditError extends Error {
  override readonly name = 'SourceEditError';
}

function parse(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function find<T extends ts.Node>(root: ts.Node, test: (node: ts.Node) => node is T): T | undefined {
  let found: T | undefined;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (test(node)) found = node;
    else ts.forEachChild(node, visit);
  };
  visit(root);
  return found;
}

const lineIndent = (text: string, pos: number): string =>
  /^[ \t]*/.exec(text.slice(text.lastIndexOf('\n', pos - 1) + 1))![0];

function classNamed(sf: ts.SourceFile, name: string): ts.ClassDeclaration {
  const found = find(sf, (n): n is ts.ClassDeclaration => ts.isClassDeclaration(n) && n.name?.text === name);
  if (!found) throw new SourceEditError(`${sf.fileName}: class ${name} not found`);
  return found;
}

/** Adds `import { names } from 'from'` (or the names to an existing import from there) after the file's imports. */
export function addImport(file: string, text: string, names: string[], from: string): string {
  const sf = parse(file, text);
  const imports = sf.statements.filter(ts.isImportDeclaration);
  const spec = (i: ts.ImportDeclaration) => (i.moduleSpecifier as ts.StringLiteral).text;
  const existing = imports.find(
    (i) => spec(i) === from && i.importClause?.namedBindings && ts.isNamedImports(i.importClause.namedBindings),
  );
  if (existing) {
    const bindings = existing.importClause!.namedBindings as ts.NamedImports;
    const have = new Set(bindings.elements.map((e) => e.name.text));
    const add = names.filter((n) => !have.has(n));
    if (!add.length) return text;
    const last = bindings.elements[bindings.elements.length - 1];
    return `${text.slice(0, last.end)}, ${add.join(', ')}${text.slice(last.end)}`;
  }
  const line = `import { ${names.join(', ')} } from '${from}';`;
  // After the last import of the same kind (`@app/...` beside the other libs), else after the last one.
  const kin = imports.filter((i) => spec(i).startsWith('@app/') === from.startsWith('@app/'));
  const after = kin[kin.length - 1] ?? imports[imports.length - 1];
  if (!after) return `${line}\n${text}`;
  return `${text.slice(0, after.end)}\n${line}${text.slice(after.end)}`;
}

/** The array literal of property `property` inside class `className` (its decorators included), or of a const it names. */
function arrayProperty(sf: ts.SourceFile, className: string, property: string): ts.ArrayLiteralExpression {
  const cls = classNamed(sf, className);
  const prop = find(
    cls,
    (n): n is ts.PropertyAssignment =>
      ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === property,
  );
  if (!prop) throw new SourceEditError(`${sf.fileName}: no '${property}' in class ${className}`);
  let value: ts.Expression = prop.initializer;
  if (ts.isIdentifier(value)) {
    const name = value.text;
    const decl = find(
      sf,
      (n): n is ts.VariableDeclaration =>
        ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name,
    );
    if (!decl?.initializer)
      throw new SourceEditError(`${sf.fileName}: '${property}' names ${name}, which is not declared in the file`);
    value = decl.initializer;
  }
  if (!ts.isArrayLiteralExpression(value))
    throw new SourceEditError(`${sf.fileName}: '${property}' in class ${className} is not an array literal`);
  return value;
}

/**
 * Adds `element` to an array literal after its last element that is a plain name (before spreads
 * such as `...(config.runWorkerInApi ? [WorkerModule] : [])`), on its own line if the array
 * puts one element per line.
 */
function insertIntoArray(text: string, array: ts.ArrayLiteralExpression, element: string): string {
  const elements = array.elements;
  const names = elements.filter((e) => ts.isIdentifier(e) || ts.isObjectLiteralExpression(e));
  const anchor = names[names.length - 1] ?? elements[elements.length - 1];
  if (!anchor) return `${text.slice(0, array.elements.pos)}${element}${text.slice(array.elements.pos)}`;
  const multiline = elements.length > 1 && text.slice(elements[0].end, elements[1].getStart()).includes('\n');
  const separator = multiline ? `,\n${lineIndent(text, anchor.getStart())}` : ', ';
  return `${text.slice(0, anchor.end)}${separator}${element}${text.slice(anchor.end)}`;
}

/** Adds `element` to the array of `property` in class `className` (e.g. a module's imports or providers). */
export function addToClassArray(
  file: string,
  text: string,
  className: string,
  property: string,
  element: string,
): string {
  const sf = parse(file, text);
  const array = arrayProperty(sf, className, property);
  if (array.elements.some((e) => e.getText() === element))
    throw new SourceEditError(`${file}: ${element} is already in ${className}'s ${property}`);
  return insertIntoArray(text, array, element);
}

/** The value `const name = ...` declares, without its `as` / `satisfies` wrappers. */
function constInitializer(sf: ts.SourceFile, name: string): ts.Expression | undefined {
  const decl = find(
    sf,
    (n): n is ts.VariableDeclaration => ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.name.text === name,
  );
  let value = decl?.initializer;
  while (value && (ts.isAsExpression(value) || ts.isSatisfiesExpression(value))) value = value.expression;
  return value;
}

/** Adds `element` to the array literal a `const name = [...]` (or `[...] as const`) declares. */
export function addToConstArray(file: string, text: string, name: string, element: string): string {
  const value = constInitializer(parse(file, text), name);
  if (!value || !ts.isArrayLiteralExpression(value)) throw new SourceEditError(`${file}: no array constant ${name}`);
  return insertIntoArray(text, value, element);
}

/** Adds a property (`'key': value`) to the object literal a `const name = {...}` declares, on its own line. */
export function addToConstObject(file: string, text: string, name: string, property: string): string {
  const value = constInitializer(parse(file, text), name);
  if (!value || !ts.isObjectLiteralExpression(value)) throw new SourceEditError(`${file}: no object constant ${name}`);
  const last = value.properties[value.properties.length - 1];
  if (!last) throw new SourceEditError(`${file}: ${name} has no property to add after`);
  const indent = lineIndent(text, last.getStart());
  const comma = text.slice(last.end).trimStart().startsWith(',');
  const end = comma ? text.indexOf(',', last.end) + 1 : last.end;
  return `${text.slice(0, end)}${comma ? '' : ','}\n${indent}${property},${text.slice(end)}`;
}

/** The string literal types of the `type` of each member of union alias `name` (e.g. 'comment.created'). */
export function unionEventTypes(file: string, text: string, name: string): string[] {
  const sf = parse(file, text);
  const alias = find(sf, (n): n is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(n) && n.name.text === name);
  if (!alias) throw new SourceEditError(`${file}: type ${name} not found`);
  const members = ts.isUnionTypeNode(alias.type) ? alias.type.types : [alias.type];
  return members.map((m) => {
    const literal = ts.isTypeReferenceNode(m) ? m.typeArguments?.[0] : undefined;
    if (!literal || !ts.isLiteralTypeNode(literal) || !ts.isStringLiteral(literal.literal))
      throw new SourceEditError(`${file}: a member of ${name} is not <Envelope>'<type>', ...>: ${m.getText()}`);
    return literal.literal.text;
  });
}

/** Adds a member to union type alias `name` (`export type X = | A | B`). */
export function addToUnion(file: string, text: string, name: string, member: string): string {
  const sf = parse(file, text);
  const alias = find(sf, (n): n is ts.TypeAliasDeclaration => ts.isTypeAliasDeclaration(n) && n.name.text === name);
  if (!alias) throw new SourceEditError(`${file}: type ${name} not found`);
  const type = alias.type;
  const last = ts.isUnionTypeNode(type) ? type.types[type.types.length - 1] : type;
  const multiline = text.slice(alias.name.end, last.getStart()).includes('\n');
  const separator = multiline ? `\n${lineIndent(text, last.getStart())}| ` : ' | ';
  return `${text.slice(0, last.end)}${separator}${member}${text.slice(last.end)}`;
}

/** Adds `member` (one or more lines, unindented) at the end of class `className`'s body. */
export function addClassMember(file: string, text: string, className: string, member: string): string {
  const sf = parse(file, text);
  const cls = classNamed(sf, className);
  const close = cls.end - 1;
  const indent = `${lineIndent(text, cls.getStart())}  `;
  const body = member
    .trimEnd()
    .split('\n')
    .map((l) => (l ? indent + l : l))
    .join('\n');
  const before = text.slice(0, close).trimEnd();
  return `${before}\n\n${body}\n${text.slice(close)}`;
}

/** Whether class `className` declares a member named `member`. */
export function hasClassMember(file: string, text: string, className: string, member: string): boolean {
  const cls = classNamed(parse(file, text), className);
  return cls.members.some((m) => m.name !== undefined && ts.isIdentifier(m.name) && m.name.text === member);
}

/**
 * Adds the lib to nest-cli.json's projects: as a line like the others when they are one a line
 * (the file is not reformatted), else by rewriting the JSON (which Prettier then formats, when
 * the project has it).
 */
export function addNestCliLibrary(file: string, text: string, slice: string): string {
  const json = JSON.parse(text) as { projects?: Record<string, unknown> };
  if (!json.projects) throw new SourceEditError(`${file}: no "projects"`);
  const project = { type: 'library', root: `libs/${slice}`, entryFile: 'index', sourceRoot: `libs/${slice}/src` };
  const lines = text.split('\n');
  const last = lines.findLastIndex((l) => /^\s+"[^"]+": \{ "type": "library".*\}\s*,?$/.test(l));
  if (last < 0) {
    json.projects[slice] = project;
    return `${JSON.stringify(json, null, 2)}\n`;
  }
  const indent = /^\s*/.exec(lines[last])![0];
  const entry = `${indent}"${slice}": ${JSON.stringify(project).replaceAll('":', '": ').replaceAll(',"', ', "').replace(/^\{/, '{ ').replace(/\}$/, ' }')}`;
  const hadComma = lines[last].trimEnd().endsWith(',');
  lines[last] = `${lines[last].trimEnd().replace(/,$/, '')},`;
  lines.splice(last + 1, 0, hadComma ? `${entry},` : entry);
  return lines.join('\n');
}
