import { changeSettings, defaultSettings } from './notification-settings';
import { markRead, type NotificationState } from './notification';

describe('notification settings', () => {
  it('defaults: email on, 60 minutes lead, version 0', () => {
    expect(defaultSettings('u1')).toEqual({ userId: 'u1', email: true, reminderLeadMinutes: 60, version: 0 });
  });

  it('a change bumps the version; no change is null; the lead is 0..10080 minutes', () => {
    const s = defaultSettings('u1');
    expect(changeSettings(s, { reminderLeadMinutes: 15 })).toEqual({ ...s, reminderLeadMinutes: 15, version: 1 });
    expect(changeSettings(s, { email: true, reminderLeadMinutes: 60 })).toBeNull();
    expect(changeSettings(s, {})).toBeNull();
    expect(changeSettings(s, { reminderLeadMinutes: 10_080 })).toMatchObject({ reminderLeadMinutes: 10_080 });
    expect(changeSettings(s, { email: false, reminderLeadMinutes: 0 })).toMatchObject({
      email: false,
      reminderLeadMinutes: 0,
    });
    for (const bad of [-1, 10_081, 1.5])
      expect(() => changeSettings(s, { reminderLeadMinutes: bad })).toThrow(
        expect.objectContaining({ code: 'validation-failed' }),
      );
  });
});

describe('markRead', () => {
  const n: NotificationState = {
    id: 'n1',
    userId: 'u1',
    type: 'task_reminder',
    title: 't',
    body: 'b',
    data: {},
    createdAt: new Date(0),
    readAt: null,
    version: 1,
  };
  it('sets readAt once; again changes nothing', () => {
    const read = markRead(n, new Date(5));
    expect(read).toEqual({ ...n, readAt: new Date(5), version: 2 });
    expect(markRead(read!, new Date(9))).toBeNull();
  });
});
