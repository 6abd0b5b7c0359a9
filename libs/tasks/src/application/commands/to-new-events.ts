import type { NewEvent } from '@app/events/ports';
import { TASK_AGGREGATE, type TaskEvent } from '../../domain/task.events.js';

export function toNewEvents(taskId: string, events: readonly TaskEvent[]): NewEvent[] {
  return events.map((e) => ({
    type: e.type,
    aggregateType: TASK_AGGREGATE,
    aggregateId: taskId,
    aggregateVersion: e.version,
    payload: e.payload,
  }));
}
