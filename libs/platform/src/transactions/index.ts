export * from './command-scope.js';
export * from './recorded-command-bus.js';
export * from './transaction-runner.js';
