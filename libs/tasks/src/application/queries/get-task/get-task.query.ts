import { Query } from '@nestjs/cqrs';
import type { TaskDocument } from '../../../ports/task-cache.js';

export class GetTaskQuery extends Query<TaskDocument> {
  constructor(
    readonly ownerId: string,
    readonly taskId: string,
  ) {
    super();
  }
}
