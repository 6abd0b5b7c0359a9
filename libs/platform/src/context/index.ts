export * from './async-context.js';
export * from './request-context.js';
