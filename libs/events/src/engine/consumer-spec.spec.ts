import type { StoredEvent } from '../event';
import { wantsType } from './consumer-spec';

const event = (type: string) => ({ type }) as StoredEvent;

describe('wantsType', () => {
  it('takes the listed event types only', () => {
    const wanted = wantsType({ eventTypes: ['task.created', 'task.deleted'] });
    expect(wanted(event('task.created'))).toBe(true);
    expect(wanted(event('task.deleted'))).toBe(true);
    expect(wanted(event('task.updated'))).toBe(false);
  });

  it("takes every type with '*'", () => {
    expect(wantsType({ eventTypes: ['*'] })(event('anything.at-all'))).toBe(true);
    expect(wantsType({ eventTypes: [] })(event('anything.at-all'))).toBe(false);
  });
});
