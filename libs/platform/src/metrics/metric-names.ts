/**
 * The metric names the dashboards and alerts rely on. Modules create them through `Metrics`
 * (get-or-create): `metrics.counter(CACHE_REQUESTS.name, CACHE_REQUESTS.help, CACHE_REQUESTS.labels)`.
 * Keep names and labels as listed here; README's Operations section documents them.
 */
export const METRIC_NAMES = {
  /** Histogram (seconds) of HTTP requests by route template, method and status; its _count is the request count. Served by the platform. */
  HTTP_REQUEST_DURATION: {
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status code.',
    labels: ['method', 'route', 'status_code'],
  },
  /** Counter: idempotency outcomes (outcome = stored | replayed | conflict | mismatch | bypassed ...). */
  IDEMPOTENCY_REQUESTS: {
    name: 'idempotency_requests_total',
    help: 'Requests carrying an Idempotency-Key, by outcome.',
    labels: ['outcome'],
  },
  /** Gauge: events not yet handled by a consumer (outbox/publisher backlog included). */
  EVENTS_CONSUMER_BACKLOG: {
    name: 'events_consumer_backlog',
    help: 'Events after the consumer checkpoint.',
    labels: ['consumer'],
  },
  /** Gauge: projection lag in events (head position minus checkpoint). */
  PROJECTION_LAG_EVENTS: { name: 'projection_lag_events', help: 'Projection lag in events.', labels: ['consumer'] },
  /** Gauge: projection lag in seconds (age of the oldest unhandled event; 0 when caught up). The readiness check reads it. */
  PROJECTION_LAG_SECONDS: { name: 'projection_lag_seconds', help: 'Projection lag in seconds.', labels: ['consumer'] },
  /** Gauge: rows in the dead-letter table per consumer. */
  DEAD_LETTERS: { name: 'dead_letters', help: 'Dead-lettered events per consumer.', labels: ['consumer'] },
  /** Counter: timers dropped unfired, more than TIMERS_MAX_LATENESS_SECONDS overdue (docs/decisions/0071). */
  TIMERS_DROPPED: {
    name: 'timers_dropped_total',
    help: 'Timers dropped unfired: more than TIMERS_MAX_LATENESS_SECONDS overdue.',
    labels: [],
  },
  /** Histogram (seconds): from a timer being due to its event being appended. */
  TIMERS_FIRING_DELAY: {
    name: 'timers_firing_delay_seconds',
    help: 'Time from a timer being due to its event being appended.',
    labels: [],
  },
  /** Counter: cache lookups (outcome = hit | miss | error); hit ratio = hit / all. */
  CACHE_REQUESTS: {
    name: 'cache_requests_total',
    help: 'Cache lookups by cache and outcome (hit, miss, error).',
    labels: ['cache', 'outcome'],
  },
} as const;
