import { projectNotificationEvent } from './notifications-read.projection';

const created = {
  type: 'notification.created',
  aggregateId: 'n1',
  payload: {
    userId: 'u1',
    type: 'task_reminder',
    title: 'Reminder: x',
    body: 'b',
    data: { taskId: 't1' },
    createdAt: '2026-12-05T10:00:00.000Z',
  },
};
const read = {
  type: 'notification.read',
  aggregateId: 'n1',
  payload: { userId: 'u1', readAt: '2026-12-05T11:00:00.000Z' },
};

describe('notifications_read projection: given events -> rows', () => {
  it('created inserts an unread row; read sets readAt once; repeats change nothing', () => {
    const row = projectNotificationEvent(null, created);
    expect(row).toEqual({
      id: 'n1',
      userId: 'u1',
      type: 'task_reminder',
      title: 'Reminder: x',
      body: 'b',
      data: { taskId: 't1' },
      createdAt: new Date('2026-12-05T10:00:00.000Z'),
      readAt: null,
    });
    expect(projectNotificationEvent(row, created)).toBeNull();
    const after = projectNotificationEvent(row, read);
    expect(after?.readAt).toEqual(new Date('2026-12-05T11:00:00.000Z'));
    expect(projectNotificationEvent(after, read)).toBeNull();
    expect(projectNotificationEvent(null, read)).toBeNull();
  });
});
