import { Injectable } from '@nestjs/common';
import { EventConsumer, Subscriber, type StoredEvent } from '@app/events';
import { Timers } from '@app/events/ports';
import { TransactionRunner } from '@app/platform';
import { Clock } from '@app/shared-kernel';
import { decideReminder, foldTaskFact, reminderTimerKey, type TaskDue, type TaskFact } from '../domain/reminder.js';
import {
  REMINDER_AGGREGATE,
  REMINDER_DUE,
  SETTINGS_CHANGED,
  type ReminderDuePayload,
  type SettingsChangedPayload,
} from '../domain/notification.events.js';
import { reminderAggregateId } from '../adapters/stable-ids.js';
import { NotificationSettingsRepository } from '../ports/notification-settings.repository.js';
import { ReminderTaskStore } from '../ports/reminder-task.store.js';

/**
 * Keeps each task's reminder timer where the task's due date and its owner's lead say
 * (docs/decisions/0072): folds the task events into `reminder_tasks`, decides (pure), and
 * schedules or cancels the timer in the engine's transaction, so the decision and the timer
 * commit with the checkpoint. A changed lead reschedules all the owner's open reminders.
 * The timer appends `task.reminder_due` to the task's reminder aggregate, never to the task.
 */
@Injectable()
@EventConsumer()
export class ReminderSchedulingSubscriber extends Subscriber {
  readonly name = 'notifications_reminders';
  readonly eventTypes = [
    'task.created',
    'task.updated',
    'task.status_changed',
    'task.deleted',
    SETTINGS_CHANGED,
  ] as const;

  constructor(
    private readonly transactions: TransactionRunner,
    private readonly tasks: ReminderTaskStore,
    private readonly settings: NotificationSettingsRepository,
    private readonly timers: Timers,
    private readonly clock: Clock,
  ) {
    super();
  }

  async handle(event: StoredEvent): Promise<void> {
    await this.transactions.run(async () => {
      if (event.type === SETTINGS_CHANGED) {
        const { userId, reminderLeadMinutes, previousLeadMinutes } = event.payload as SettingsChangedPayload;
        if (reminderLeadMinutes === previousLeadMinutes) return;
        const now = this.clock.now();
        for (const task of await this.tasks.openDueAfter(userId, now))
          await this.apply(task, task.taskId, reminderLeadMinutes, now);
        return;
      }
      const fact = { type: event.type, taskId: event.aggregateId, payload: event.payload } as TaskFact;
      const task = foldTaskFact(await this.tasks.get(event.aggregateId), fact);
      if (task) await this.tasks.put(task);
      else await this.tasks.remove(event.aggregateId);
      const { reminderLeadMinutes } = await this.settings.find((event.payload as { ownerId: string }).ownerId);
      await this.apply(task, event.aggregateId, reminderLeadMinutes, this.clock.now());
    });
  }

  private async apply(task: TaskDue | null, taskId: string, leadMinutes: number, now: Date): Promise<void> {
    const decision = decideReminder(task, leadMinutes, now);
    if (decision.kind === 'cancel' || !task) return this.timers.cancel(reminderTimerKey(taskId));
    const payload: ReminderDuePayload = {
      taskId,
      ownerId: task.ownerId,
      dueDate: decision.dueDate.toISOString(),
      leadMinutes,
    };
    await this.timers.schedule({
      key: reminderTimerKey(taskId),
      at: decision.at,
      event: {
        type: REMINDER_DUE,
        aggregateType: REMINDER_AGGREGATE,
        aggregateId: reminderAggregateId(taskId),
        payload,
      },
    });
  }
}
