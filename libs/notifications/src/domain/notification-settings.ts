import { DomainError } from '@app/shared-kernel';
import { DEFAULT_REMINDER_LEAD_MINUTES, MAX_REMINDER_LEAD_MINUTES } from './reminder.js';

/** A user's notification settings; a user who never set them has the defaults (version 0). */
export interface NotificationSettings {
  userId: string;
  email: boolean;
  reminderLeadMinutes: number;
  version: number;
}

export const defaultSettings = (userId: string): NotificationSettings => ({
  userId,
  email: true,
  reminderLeadMinutes: DEFAULT_REMINDER_LEAD_MINUTES,
  version: 0,
});

/** The settings after a partial change, or null when nothing changes. */
export function changeSettings(
  current: NotificationSettings,
  change: { email?: boolean; reminderLeadMinutes?: number },
): NotificationSettings | null {
  const lead = change.reminderLeadMinutes;
  if (lead !== undefined && !(Number.isInteger(lead) && lead >= 0 && lead <= MAX_REMINDER_LEAD_MINUTES)) {
    throw new DomainError(
      'invalid',
      'validation-failed',
      `reminderLeadMinutes must be a whole number from 0 to ${MAX_REMINDER_LEAD_MINUTES}.`,
      {
        errors: [
          { field: 'reminderLeadMinutes', message: `must be an integer from 0 to ${MAX_REMINDER_LEAD_MINUTES}` },
        ],
      },
    );
  }
  const next = {
    ...current,
    email: change.email ?? current.email,
    reminderLeadMinutes: lead ?? current.reminderLeadMinutes,
  };
  if (next.email === current.email && next.reminderLeadMinutes === current.reminderLeadMinutes) return null;
  return { ...next, version: current.version + 1 };
}
