import { Query } from '@nestjs/cqrs';
import type { TaskView } from '../../../ports/task-read-model.js';

export class GetTaskQuery extends Query<TaskView> {
  constructor(
    readonly ownerId: string,
    readonly taskId: string,
  ) {
    super();
  }
}
