import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { taskNotFound } from '../../../domain/task.js';
import { TaskCache, taskDocument, type TaskDocument } from '../../../ports/task-cache.js';
import { TaskReadModel } from '../../../ports/task-read-model.js';
import { GetTaskQuery } from './get-task.query.js';

/** Cache-aside over tasks_read; another user's task is a 404 like a missing one. */
@QueryHandler(GetTaskQuery)
export class GetTaskHandler implements IQueryHandler<GetTaskQuery> {
  constructor(
    private readonly cache: TaskCache,
    private readonly read: TaskReadModel,
  ) {}

  async execute(q: GetTaskQuery): Promise<TaskDocument> {
    const cached = await this.cache.get(q.taskId);
    if (!cached) return this.load(q);
    if (cached.ownerId === q.ownerId) return cached;
    throw taskNotFound(q.taskId);
  }

  private async load(q: GetTaskQuery): Promise<TaskDocument> {
    const view = await this.read.get(q.taskId, q.ownerId);
    if (!view) throw taskNotFound(q.taskId);
    const document = taskDocument(view);
    await this.cache.set(q.taskId, document);
    return document;
  }
}
