// `npm run test:faults`: the fault suite (test/faults/*.fault-spec.ts), apart from `npm test`. It
// runs the built API and worker as child processes against a private PostgreSQL cluster and
// redis-server, and crashes, stops and signals them. One suite at a time: the scenarios measure
// takeovers and outages, which a second suite's load on two cores would only blur.
import { shared } from './jest.config.mjs';

export default {
  ...shared,
  displayName: 'faults',
  testMatch: ['<rootDir>/test/faults/**/*.fault-spec.ts'],
  maxWorkers: 1,
  testTimeout: 600_000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
};
