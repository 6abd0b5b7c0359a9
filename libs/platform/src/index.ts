export * from './config/index.js';
export * from './database/index.js';
export * from './health/index.js';
export * from './http/index.js';
export * from './lifecycle/index.js';
export * from './logging/index.js';
export * from './redis/index.js';
export * from './platform.module.js';
