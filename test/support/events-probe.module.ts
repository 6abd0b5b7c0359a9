import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, Param, Post } from '@nestjs/common';
import { Authenticated } from '../../libs/access/src/index';
import { ConsistentRead, EventStore } from '../../libs/events/src/index';
import { TransactionRunner } from '../../libs/platform/src/transactions/transaction-runner';
import { TestProjector } from './events-fixtures';
import { Idempotent } from '../../libs/platform/src/idempotency/idempotent.decorator';

/** A command that appends an event and a query on the test projection, for the consistency-token tests. */
@Controller('probe-events')
class EventsProbeController {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly store: EventStore,
  ) {}

  @Post()
  @Idempotent()
  async append(): Promise<{ id: string }> {
    const [event] = await this.transactions.run(() =>
      this.store.append([
        { type: 'test.happened', aggregateType: 'test', aggregateId: randomUUID(), aggregateVersion: 1, payload: {} },
      ]),
    );
    return { id: event.id };
  }

  /** An event caused by the caller (their feed shows it); kind 'poison' makes the test projector fail. */
  @Post('mine/:kind')
  @Idempotent()
  @Authenticated()
  async appendMine(@Param('kind') kind: string): Promise<{ id: string; position: string }> {
    const [event] = await this.transactions.run(() =>
      this.store.append([
        {
          type: `test.${kind === 'other' ? 'other' : 'happened'}`,
          aggregateType: 'test',
          aggregateId: randomUUID(),
          aggregateVersion: 1,
          payload: { kind },
        },
      ]),
    );
    return { id: event.id, position: event.position.toString() };
  }

  @Get()
  @ConsistentRead('test_read')
  async read(): Promise<{ ids: string[] }> {
    const { rows } = await this.transactions.run((db) =>
      sql<{ event_id: string }>`SELECT event_id FROM test_projection`.execute(db),
    );
    return { ids: rows.map((r) => r.event_id) };
  }
}

@Module({ controllers: [EventsProbeController], providers: [TestProjector] })
export class EventsProbeModule {}
