import { Global, Injectable, Module } from '@nestjs/common';
import { ReadinessChecks } from './readiness.js';

/** Process-wide state the probes read: set when shutdown begins, so readiness turns 503 first. */
@Injectable()
export class Lifecycle {
  shuttingDown = false;
}

@Global()
@Module({ providers: [Lifecycle, ReadinessChecks], exports: [Lifecycle, ReadinessChecks] })
export class LifecycleModule {}
