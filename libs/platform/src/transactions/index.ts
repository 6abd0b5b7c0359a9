export * from './transaction-runner.js';
