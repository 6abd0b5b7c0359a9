export * from './clock.js';
export * from './domain-error.js';
export * from './unit-of-work.js';
export * from './uuid.js';
