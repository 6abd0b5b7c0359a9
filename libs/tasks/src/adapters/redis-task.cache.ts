import { Inject, Injectable, type Provider } from '@nestjs/common';
import { Metrics, REDIS, type RedisConnection } from '@app/platform';
import { TaskCache, type TaskDocument } from '../ports/task-cache.js';

const VALUE_TTL_SECONDS = 300;
/** Longer than the value's TTL: a value written before an invalidation always expires before its marker. */
const MARKER_TTL_SECONDS = 900;
const DOCUMENT = ':doc';
const MARKER = ':rev';
/** DI token of the key prefix (`task:` in the app; tests construct the cache with their own). */
const TASK_CACHE_PREFIX = 'TASK_CACHE_PREFIX';

/**
 * Cache-aside in Redis: `task:<id>:doc` holds the task's document (`<revision>:<version>:<owner>:`
 * then its JSON, served as it is), `task:<id>:rev` the lowest revision that may be served (set by
 * the projector). One MGET per read; a document below its marker is a miss, so a reader that
 * raced the projector and cached an old row never serves it after the invalidation. Redis errors
 * degrade to a miss; without Redis nothing is cached.
 */
@Injectable()
export class RedisTaskCache extends TaskCache {
  private readonly requests;

  constructor(
    @Inject(REDIS) private readonly redis: RedisConnection,
    metrics: Metrics,
    @Inject(TASK_CACHE_PREFIX) private readonly prefix: string,
  ) {
    super();
    this.requests = metrics.counter('cache_requests_total', 'Cache lookups by cache and outcome.', [
      'cache',
      'outcome',
    ]);
  }

  async get(id: string): Promise<TaskDocument | undefined> {
    if (!this.redis) return undefined;
    const key = this.prefix + id;
    let found: (string | null)[];
    try {
      found = await this.redis.mget(key + DOCUMENT, key + MARKER);
    } catch {
      return this.fresh(null, null); // Redis unavailable: a miss, served from the read table
    }
    return this.fresh(found[0], found[1]);
  }

  private fresh(value: string | null, marker: string | null): TaskDocument | undefined {
    const document = value === null ? undefined : parse(value);
    if (document && (marker === null || document.revision >= Number(marker))) {
      this.requests.inc({ cache: 'task', outcome: 'hit' });
      return document;
    }
    this.requests.inc({ cache: 'task', outcome: 'miss' });
    return undefined;
  }

  async set(id: string, document: TaskDocument): Promise<void> {
    if (!this.redis) return;
    const value = `${document.revision}:${document.version}:${document.ownerId}:${document.json}`;
    await this.redis.set(this.prefix + id + DOCUMENT, value, 'EX', VALUE_TTL_SECONDS).catch(() => undefined);
  }

  async invalidate(id: string, revision: number): Promise<void> {
    if (!this.redis) return;
    const key = this.prefix + id;
    // Raising the marker (never lowering it) and dropping the document; errors propagate so the
    // projector's transaction retries rather than leaving a stale document servable.
    await this.redis
      .multi()
      .eval(
        "local c = tonumber(redis.call('GET', KEYS[1]) or '0'); if tonumber(ARGV[1]) > c then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end; return 1",
        1,
        key + MARKER,
        String(revision),
        String(MARKER_TTL_SECONDS),
      )
      .del(key + DOCUMENT)
      .exec();
  }
}

/** `<revision>:<version>:<owner>:<json>`; anything else (an older format) is a miss. */
function parse(value: string): TaskDocument | undefined {
  const a = value.indexOf(':');
  const b = value.indexOf(':', a + 1);
  const c = value.indexOf(':', b + 1);
  if (a < 1 || b < 0 || c < 0) return undefined;
  const revision = Number(value.slice(0, a));
  const version = Number(value.slice(a + 1, b));
  if (!Number.isInteger(revision) || !Number.isInteger(version)) return undefined;
  return { revision, version, ownerId: value.slice(b + 1, c), json: value.slice(c + 1) };
}

/** The cache's bindings, for each module that uses it: the port, and the prefix of its keys. */
export const taskCacheProviders: Provider[] = [
  { provide: TaskCache, useClass: RedisTaskCache },
  { provide: TASK_CACHE_PREFIX, useValue: 'task:' },
];
