export * from './configure-http.js';
export * from './fastify-options.js';
export * from './page-query.js';
export * from './problem.js';
export * from './problem.filter.js';
export * from './response-capture.js';
export * from './to-problem.js';
export * from './validation.js';
