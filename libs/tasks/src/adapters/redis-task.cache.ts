import { Inject, Injectable } from '@nestjs/common';
import { Metrics, REDIS, type RedisConnection } from '@app/platform';
import { TaskCache } from '../ports/task-cache.js';
import type { TaskView } from '../ports/task-read-model.js';

const VALUE_TTL_SECONDS = 300;
/** Longer than the value's TTL: a value written before an invalidation always expires before its marker. */
const MARKER_TTL_SECONDS = 900;

/**
 * Cache-aside in Redis: `task:<id>` holds the read row (with its revision), `task:<id>:rev` the
 * lowest revision that may be served (set by the projector). One MGET per read; a value below
 * its marker is a miss, so a reader that raced the projector and cached an old row never serves
 * it after the invalidation. Redis errors degrade to a miss; without Redis nothing is cached.
 */
@Injectable()
export class RedisTaskCache extends TaskCache {
  private readonly requests;

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnection,
    metrics: Metrics,
    @Inject('TASK_CACHE_PREFIX') private readonly prefix: string,
  ) {
    super();
    this.requests = metrics.counter('cache_requests_total', 'Cache lookups by cache and outcome.', ['cache', 'outcome']);
  }

  async get(id: string): Promise<TaskView | undefined> {
    if (!this.redis) return undefined;
    const key = this.prefix + id;
    let value: string | null = null;
    let marker: string | null = null;
    try {
      [value, marker] = await this.redis.mget(key, key + ':rev');
    } catch {
      value = null;
    }
    if (value !== null) {
      const view = JSON.parse(value) as TaskView;
      if (marker === null || view.revision >= Number(marker)) {
        this.requests.inc({ cache: 'task', outcome: 'hit' });
        return view;
      }
    }
    this.requests.inc({ cache: 'task', outcome: 'miss' });
    return undefined;
  }

  async set(view: TaskView): Promise<void> {
    if (!this.redis) return;
    await this.redis.set(this.prefix + view.id, JSON.stringify(view), 'EX', VALUE_TTL_SECONDS).catch(() => undefined);
  }

  async invalidate(id: string, revision: number): Promise<void> {
    if (!this.redis) return;
    const key = this.prefix + id;
    // Raising the marker (never lowering it) and dropping the value; errors propagate so the
    // projector's transaction retries rather than leaving a stale value servable.
    await this.redis
      .multi()
      .eval("local c = tonumber(redis.call('GET', KEYS[1]) or '0'); if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end; return 1", 1, key + ':rev', String(revision), String(MARKER_TTL_SECONDS))
      .del(key)
      .exec();
  }
}
