import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig, HealthModule, PlatformModule } from '@app/platform';
import { WorkerModule } from './worker.module.js';

/** The standalone worker: platform, probes and the consumers. */
@Module({})
export class WorkerAppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerAppModule, imports: [PlatformModule.forRoot(config), HealthModule, WorkerModule] };
  }
}
