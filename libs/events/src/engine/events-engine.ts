import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { AppConfig, MigrationService, TransactionRunner } from '@app/platform';
import { EVENT_CONSUMER, Projector, Subscriber } from '../consumers/consumer.js';
import { AdvisoryLeases, type ConsumerLeases, InProcessLeases } from './consumer-leases.js';
import { ConsumerRunner } from './consumer-runner.js';
import type { ConsumerSpec } from './consumer-spec.js';
import { EventSignal } from './event-signal.js';

/** While blocked (docs/decisions/0010), a loop polls again after 5 ms, doubling up to 100 ms (or the poll interval). */
const BLOCKED_FIRST_MS = 5;
const BLOCKED_MAX_MS = 100;

/**
 * Runs every consumer the slices mark with @EventConsumer() (plus any registered in code, such as
 * the integration publisher): one loop per consumer, holding that consumer's lease. A loop
 * handles batches back to back while there is work, then sleeps until a wake-up (commit in this
 * process or NOTIFY from another) or the poll interval, whichever comes first. When events are
 * there but held back by an open transaction, it polls again with a short backoff instead.
 */
@Injectable()
export class EventsEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** The rebuild CLI turns this off: it needs the consumers, not their loops. */
  static autoStart = true;

  private readonly logger = new Logger('EventsEngine');
  private readonly extra: ConsumerSpec[] = [];
  private specs?: ConsumerSpec[];
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private leases?: ConsumerLeases;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
    private readonly transactions: TransactionRunner,
    private readonly config: AppConfig,
    private readonly signal: EventSignal,
    private readonly migrations: MigrationService,
  ) {}

  /** Adds a consumer that is not a discovered provider (call before the application bootstraps). */
  register(spec: ConsumerSpec): void {
    this.extra.push(spec);
  }

  /** Every consumer, discovered and registered. */
  consumers(): ConsumerSpec[] {
    if (!this.specs) {
      const discovered = this.discovery
        .getProviders()
        .map((wrapper) => wrapper.instance as unknown)
        .filter(
          (instance): instance is Projector | Subscriber<unknown> =>
            !!instance &&
            typeof instance === 'object' &&
            !!this.reflector.get(EVENT_CONSUMER, instance.constructor as never),
        )
        .map((c): ConsumerSpec => {
          const batch = c instanceof Projector && c.handleBatch ? c.handleBatch.bind(c) : undefined;
          const prepare = c instanceof Subscriber && c.prepare ? c.prepare.bind(c) : undefined;
          return {
            name: c.name,
            eventTypes: c.eventTypes,
            kind: c instanceof Projector ? 'projector' : 'subscriber',
            prepare,
            handle: (e, p) => c.handle(e, p),
            handleBatch: batch,
          };
        });
      const all = [...discovered, ...this.extra];
      const names = all.map((c) => c.name);
      const duplicate = names.find((n, i) => names.indexOf(n) !== i);
      if (duplicate) throw new Error(`two event consumers are named '${duplicate}'`);
      this.specs = all;
    }
    return this.specs;
  }

  /** The projector instance named `name` (for the rebuild). */
  projector(name: string): Projector | undefined {
    return this.discovery
      .getProviders()
      .map((w) => w.instance as unknown)
      .find(
        (i): i is Projector =>
          i instanceof Projector && i.name === name && !!this.reflector.get(EVENT_CONSUMER, i.constructor as never),
      );
  }

  onApplicationBootstrap(): void {
    if (!EventsEngine.autoStart) return;
    const specs = this.consumers();
    if (specs.length === 0) return;
    const url = this.config.database.url;
    this.leases =
      this.config.singleInstance || !url
        ? new InProcessLeases()
        : new AdvisoryLeases(url, () => this.signal.ring(), this.logger);
    const { batchSize, maxAttempts, retryBaseMs } = this.config.events;
    this.loops = specs.map((spec) =>
      this.loop(new ConsumerRunner(spec, this.transactions, { batchSize, maxAttempts, retryBaseMs }, this.logger)),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
    await this.leases?.close();
  }

  private async loop(runner: ConsumerRunner): Promise<void> {
    const { pollIntervalMs, leaseRetryMs } = this.config.events;
    const stop = this.abort.signal;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          stop.removeEventListener('abort', done);
          resolve();
        }
        stop.addEventListener('abort', done, { once: true });
      });
    await this.untilSchemaIsCurrent(sleep);
    const blockedMaxMs = Math.min(BLOCKED_MAX_MS, pollIntervalMs);
    let blockedMs = 0;
    while (!stop.aborted) {
      try {
        if (!(await this.leases!.hold(runner.spec.name))) {
          await sleep(leaseRetryMs);
          continue;
        }
        const since = this.signal.generation;
        const { waitMs, blocked } = await runner.step();
        if (stop.aborted) continue;
        if (blocked) {
          // Events wait above the horizon: the transaction holding it may end without a wake-up
          // (one that appends nothing: another consumer's step, a rebuild), so look again soon.
          blockedMs = Math.min(blockedMs * 2 || BLOCKED_FIRST_MS, blockedMaxMs);
          await this.signal.wait(blockedMs, stop, since);
          continue;
        }
        blockedMs = 0;
        if (waitMs === undefined) continue;
        if (waitMs === Infinity) await this.signal.wait(pollIntervalMs, stop, since);
        else await sleep(waitMs);
      } catch (err) {
        if (stop.aborted) break;
        this.logger.warn(
          { consumer: runner.spec.name, err: { message: (err as Error).message } },
          'events: consumer step failed; retrying',
        );
        await sleep(pollIntervalMs);
      }
    }
  }

  private async untilSchemaIsCurrent(sleep: (ms: number) => Promise<void>): Promise<void> {
    while (!this.abort.signal.aborted) {
      if (await this.migrations.isCurrent().catch(() => false)) return;
      await sleep(250);
    }
  }
}
