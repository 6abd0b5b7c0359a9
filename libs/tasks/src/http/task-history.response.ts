import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import type { TaskHistoryEntry } from '../domain/task-history.js';
import { TASK_CATEGORIES } from '../domain/task.events.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../domain/task.js';

/** An entry of a task's history as the API answers it. */
export function historyItem(e: TaskHistoryEntry) {
  return {
    id: e.eventId,
    type: e.type,
    version: e.version,
    occurredAt: e.occurredAt.toISOString(),
    actor: e.actor,
    changes: e.changes,
  };
}

// OpenAPI shapes of the answer above.

type Schema = { type: 'string' | 'array'; format?: string; enum?: readonly string[]; items?: { type: 'string' } };
/** A changed field: its value before (null when the event created the task) and after. */
function change(value: Schema, nullableAfter: boolean, description: string): ApiPropertyOptions {
  return {
    type: 'object',
    description,
    required: ['before', 'after'],
    properties: { before: { ...value, nullable: true }, after: { ...value, nullable: nullableAfter } },
  };
}
const text: Schema = { type: 'string' };

export class TaskHistoryChangesResponse {
  @ApiPropertyOptional(change(text, false, 'The title before and after.')) title?: object;
  @ApiPropertyOptional(change(text, false, 'The description before and after.')) description?: object;
  @ApiPropertyOptional(change({ type: 'string', enum: TASK_PRIORITIES }, false, 'The priority before and after.'))
  priority?: object;
  @ApiPropertyOptional(change({ type: 'string', enum: TASK_STATUSES }, false, 'The status before and after.'))
  status?: object;
  @ApiPropertyOptional(
    change({ type: 'string', format: 'date-time' }, true, 'The due date before and after (null: none).'),
  )
  dueDate?: object;
  @ApiPropertyOptional(change(text, false, "The enrichment's summary before and after.")) summary?: object;
  @ApiPropertyOptional(
    change({ type: 'array', items: { type: 'string' } }, false, "The enrichment's subtasks before and after."),
  )
  subtasks?: object;
  @ApiPropertyOptional(
    change({ type: 'string', enum: TASK_CATEGORIES }, false, "The enrichment's category before and after."),
  )
  category?: object;
}

export class TaskHistoryItemResponse {
  @ApiProperty({ format: 'uuid', description: "The event's id." }) id!: string;
  @ApiProperty({
    description: 'task.created, task.updated, task.status_changed, task.deleted, task.enriched or task.reminder_due.',
  })
  type!: string;
  @ApiProperty({ description: "The task's write version at this point (enrichments and reminders do not move it)." })
  version!: number;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({
    nullable: true,
    type: String,
    description:
      "The id of the user whose request caused the event, directly or through the service's own work (an enrichment carries the actor of the change it analysed); null when none.",
  })
  actor!: string | null;
  @ApiProperty({
    type: TaskHistoryChangesResponse,
    description: 'The fields the event changed, each with its value before and after; empty when it changed none.',
  })
  changes!: TaskHistoryChangesResponse;
}

export class TaskHistoryPageResponse {
  @ApiProperty({ type: [TaskHistoryItemResponse] }) items!: TaskHistoryItemResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass back as `cursor` for the next page; null on the last one.',
  })
  nextCursor!: string | null;
}
