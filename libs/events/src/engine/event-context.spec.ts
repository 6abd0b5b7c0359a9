import { requestContext, type RequestContext } from '@app/platform';
import type { StoredEvent } from '../event';
import { handleInContext, prepareInContext } from './event-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const event = (metadata: StoredEvent['metadata']) =>
  ({ id: 'a3e1c2b4-0000-4000-8000-000000000001', type: 'task.created', metadata }) as StoredEvent;

/** The request context `work` ran in, for a consumer handling `e`. */
async function contextOf(e: StoredEvent, phase: 'handle' | 'prepare'): Promise<RequestContext | undefined> {
  let seen: RequestContext | undefined;
  const capture = async () => {
    seen = { ...requestContext.current()! };
  };
  if (phase === 'prepare') await prepareInContext({ name: 'mailer', prepare: capture }, e);
  else await handleInContext({ name: 'mailer', handle: capture }, e);
  return seen;
}

describe("a handler runs in its event's context", () => {
  it.each(['handle', 'prepare'] as const)(
    '%s: caused by the event, in its correlation and trace, as its actor',
    async (phase) => {
      const e = event({ actor: 'user-1', correlationId: 'corr-1', traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` });
      const context = await contextOf(e, phase);
      expect(context).toMatchObject({ actor: 'user-1', correlationId: 'corr-1', causationId: e.id });
      expect(context?.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      expect(context?.traceparent).not.toBe(e.metadata.traceparent);
    },
  );

  it('starts a correlation at the event, with a request id of its own per call, when the event has none', async () => {
    const e = event({});
    const [first, second] = [await contextOf(e, 'handle'), await contextOf(e, 'handle')];
    expect(first).toMatchObject({ correlationId: e.id, causationId: e.id, actor: undefined });
    expect(first?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(first?.requestId).not.toBe(second?.requestId);
  });

  it('passes the prepared value to handle and its result back', async () => {
    const got: unknown[] = [];
    await handleInContext(
      { name: 'mailer', handle: async (_e, prepared) => void got.push(prepared) },
      event({}),
      'value',
    );
    expect(got).toEqual(['value']);
    expect(await prepareInContext({ name: 'mailer', prepare: async () => 42 }, event({}))).toBe(42);
  });
});
