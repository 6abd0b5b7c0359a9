import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics.js';
import { METRIC_NAMES } from './metric-names.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One Fastify onResponse hook: observes the duration by route TEMPLATE (`/api/v1/tasks/:id`,
 * never the raw URL, so cardinality stays bounded; unmatched routes share one label). Fastify measures the time itself
 * (`reply.elapsedTime`), so nothing runs on the request side.
 */
export function instrumentHttp(fastify: FastifyInstance, metrics: Metrics): void {
  const { name, help, labels } = METRIC_NAMES.HTTP_REQUEST_DURATION;
  const histogram = metrics.histogram(name, help, labels, BUCKETS);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    histogram.observe({ method: request.method, route, status_code: reply.statusCode }, reply.elapsedTime / 1000);
    done();
  });
}
