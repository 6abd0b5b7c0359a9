/** Where new task ids come from (random UUIDs in production, fixed ones in tests). */
export abstract class TaskIds {
  abstract next(): string;
}
