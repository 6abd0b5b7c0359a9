export * from './clock.js';
export * from './domain-error.js';
