import { Global, Injectable, Module } from '@nestjs/common';
import { ReadinessChecks, ReadinessDetailsAccess } from './readiness.js';

/** Process-wide state the probes read: set when shutdown begins, so readiness turns 503 first. */
@Injectable()
export class Lifecycle {
  shuttingDown = false;
}

@Global()
@Module({
  providers: [Lifecycle, ReadinessChecks, ReadinessDetailsAccess],
  exports: [Lifecycle, ReadinessChecks, ReadinessDetailsAccess],
})
export class LifecycleModule {}
