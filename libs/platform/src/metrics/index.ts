export * from './metrics.js';
export * from './metrics.module.js';
export * from './metric-names.js';
export * from './http-metrics.js';
