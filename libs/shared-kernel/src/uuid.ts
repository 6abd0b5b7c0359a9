const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is a UUID in its 8-4-4-4-12 hexadecimal form (either case). */
export const isUuid = (text: string): boolean => UUID.test(text);

/**
 * A path id as stored (lower case), or `notFound(id)` thrown when it is not a UUID: such an id
 * names nothing, a 404 like any unknown id, never a database error.
 */
export function uuidOrNotFound(id: string, notFound: (id: string) => Error): string {
  if (!isUuid(id)) throw notFound(id);
  return id.toLowerCase();
}
