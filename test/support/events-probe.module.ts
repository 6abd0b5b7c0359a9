import { randomUUID } from 'node:crypto';
import { Controller, Get, Module, Post } from '@nestjs/common';
import { ConsistentRead, EventStore } from '../../libs/events/src/index';
import { TransactionRunner } from '../../libs/platform/src/transactions/transaction-runner';
import { TestProjector } from './events-fixtures';

/** A command that appends an event and a query on the test projection, for the consistency-token tests. */
@Controller('probe-events')
class EventsProbeController {
  constructor(
    private readonly transactions: TransactionRunner,
    private readonly store: EventStore,
  ) {}

  @Post()
  async append(): Promise<{ id: string }> {
    const [event] = await this.transactions.run(() => this.store.append([{ type: 'test.happened', aggregateType: 'test', aggregateId: randomUUID(), aggregateVersion: 1, payload: {} }]));
    return { id: event.id };
  }

  @Get()
  @ConsistentRead('test_read')
  async read(): Promise<{ ids: string[] }> {
    const rows = await this.transactions.run((tx) => tx.$queryRawUnsafe<{ event_id: string }[]>(`SELECT event_id FROM test_projection`));
    return { ids: rows.map((r) => r.event_id) };
  }
}

@Module({ controllers: [EventsProbeController], providers: [TestProjector] })
export class EventsProbeModule {}
