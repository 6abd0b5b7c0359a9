/**
 * A command or query class as its handler's file declares it: `base` is the @nestjs/cqrs base
 * typed with what the handler returns (`Command<CommentState>`), `fields` its read-only
 * constructor parameters (`ownerId: string`).
 */
export function messageClass(doc: string, name: string, base: string, fields: string[]): string {
  return `/** ${doc} */
export class ${name} extends ${base} {
  constructor(
${fields.map((field) => `    readonly ${field},\n`).join('')}  ) {
    super();
  }
}`;
}
