import { createHash } from 'node:crypto';
import { NotificationIds } from '../ports/notification-ids.js';

const NAMESPACE = Buffer.from('3b0f6a2e9c1d4f7a8e5b2c6d1a9f0e47', 'hex');

/** A UUIDv5 (RFC 9562, SHA-1 name-based) of `name` in the slice's namespace: the same name gives the same id. */
export function stableId(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name).digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The reminder aggregate of a task: its own id, so a firing never touches the task's versions. */
export const reminderAggregateId = (taskId: string) => stableId(`task_reminder|${taskId}`);
/** The notification made from an event (a redelivery finds it). */
export const notificationIdFor = (sourceEventId: string) => stableId(`notification|${sourceEventId}`);

export class StableNotificationIds extends NotificationIds {
  settingsOf(userId: string): string {
    return stableId(`notification_settings|${userId}`);
  }
}
