import { DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { AccessModule, AuthModule } from '@app/access';
import { EventsHttpModule } from '@app/events';
import { SignupModule } from '@app/signup';
import { AppConfig, HealthModule, IdempotencyModule, PlatformModule } from '@app/platform';
import { NotificationsModule } from '@app/notifications';
import { TasksModule } from '@app/tasks';
import { WorkerModule } from '../../worker/src/worker.module.js';

/** The HTTP application: platform, probes, the slices' HTTP modules, and the worker when single-instance. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, extra: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot(config),
        HealthModule,
        AccessModule,
        IdempotencyModule,
        EventsHttpModule,
        AuthModule,
        SignupModule,
        TasksModule,
        NotificationsModule,
        ...(config.runWorkerInApi ? [WorkerModule] : []),
        ...extra,
      ],
    };
  }
}
