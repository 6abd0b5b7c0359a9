import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig, REDIS, type RedisConnection } from '@app/platform';
import { EventsEngine } from '../engine/events-engine.js';
import type { StoredEvent } from '../event.js';

const MAX_LENGTH = 1_000_000;

/** An event as a CloudEvents 1.0 JSON document (structured mode). */
export function toCloudEvent(event: StoredEvent): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: event.id,
    source: `/task-backend/${event.aggregateType}`,
    type: event.type,
    subject: event.aggregateId,
    time: event.occurredAt.toISOString(),
    datacontenttype: 'application/json',
    data: event.payload,
    // Extensions (lower-case alphanumerics, per the spec).
    position: event.position.toString(),
    aggregateversion: event.aggregateVersion,
    ...(event.metadata.correlationId ? { correlationid: event.metadata.correlationId } : {}),
    ...(event.metadata.traceparent ? { traceparent: event.metadata.traceparent } : {}),
  };
}

/**
 * Publishes every event to the Redis Stream EVENTS_STREAM (default `task-backend.events`), at least once: a consumer with its own checkpoint;
 * each batch is XADDed (one pipeline) before the checkpoint commits, so a crash in between
 * sends the batch again; readers deduplicate by the CloudEvents `id`. While Redis is down it
 * backs off and never dead-letters. Without REDIS_URL nothing is registered.
 */
@Injectable()
export class IntegrationPublisher implements OnModuleInit {
  constructor(
    private readonly engine: EventsEngine,
    @Inject(REDIS) private readonly redis: RedisConnection,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const redis = this.redis;
    if (!redis) return;
    this.engine.register({
      name: 'integration_publisher',
      eventTypes: ['*'],
      kind: 'projector',
      maxAttempts: Infinity,
      handle: (event) => this.publish([event]),
      handleBatch: (events) => this.publish(events),
    });
  }

  private async publish(events: StoredEvent[]): Promise<void> {
    const pipeline = this.redis!.pipeline();
    for (const event of events)
      pipeline.xadd(
        this.config.events.stream,
        'MAXLEN',
        '~',
        MAX_LENGTH,
        '*',
        'event',
        JSON.stringify(toCloudEvent(event)),
      );
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err)?.[0];
    if (failed) throw failed;
  }
}
