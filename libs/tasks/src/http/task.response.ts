import { ApiProperty } from '@nestjs/swagger';
import { TASK_CATEGORIES } from '../domain/task.events.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../domain/task.js';
import type { TaskState } from '../domain/task.js';

/** A task as a command returns it: the written state (enrichment arrives later, on reads). */
export function stateResponse(s: TaskState) {
  return {
    id: s.id,
    title: s.title,
    description: s.description,
    priority: s.priority,
    status: s.status,
    dueDate: s.dueDate ? s.dueDate.toISOString() : null,
    version: s.version,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

// OpenAPI shapes of the answers above (what a generated client types them as).

export class TaskResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: TASK_PRIORITIES }) priority!: string;
  @ApiProperty({ enum: TASK_STATUSES }) status!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) dueDate!: string | null;
  @ApiProperty({
    description:
      'The write version: the ETag of a write answer is "<version>", of a read "<version>.<revision>"; If-Match compares this number.',
  })
  version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class TaskEnrichmentResponse {
  @ApiProperty({ enum: ['llm', 'heuristic'] }) source!: string;
  @ApiProperty() model!: string;
  @ApiProperty() promptVersion!: string;
  @ApiProperty({ format: 'date-time' }) enrichedAt!: string;
}

export class TaskViewResponse extends TaskResponse {
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'One sentence, from the enrichment; null until it has run.',
  })
  summary!: string | null;
  @ApiProperty({ type: [String], description: '3 to 5 subtasks from the enrichment; empty until it has run.' })
  subtasks!: string[];
  @ApiProperty({ enum: TASK_CATEGORIES, nullable: true }) category!: string | null;
  @ApiProperty({ type: TaskEnrichmentResponse, nullable: true }) enrichment!: TaskEnrichmentResponse | null;
}

export class TaskPageResponse {
  @ApiProperty({ type: [TaskViewResponse] }) items!: TaskViewResponse[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass back as `cursor` for the next page; null on the last one.',
  })
  nextCursor!: string | null;
}

export class TaskDayResponse {
  @ApiProperty({ format: 'date' }) date!: string;
  @ApiProperty() created!: number;
  @ApiProperty() completed!: number;
}

const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;
export class TaskStatsResponse {
  @ApiProperty({ ...COUNTS, description: 'Tasks by status.' }) byStatus!: Record<string, number>;
  @ApiProperty({ ...COUNTS, description: 'Tasks by priority.' }) byPriority!: Record<string, number>;
  @ApiProperty({ ...COUNTS, description: 'Tasks by enrichment category.' }) byCategory!: Record<string, number>;
  @ApiProperty({ type: [TaskDayResponse] }) perDay!: TaskDayResponse[];
}
