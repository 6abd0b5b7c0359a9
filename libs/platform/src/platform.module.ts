import { DynamicModule, Module } from '@nestjs/common';
import { CommandBus, CqrsModule } from '@nestjs/cqrs';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { RecordedCommandBus } from './transactions/recorded-command-bus.js';

/**
 * The CQRS module with RecordedCommandBus as its CommandBus. A dynamic module's providers come
 * after the ones its @Module() declares, so within that one module this provider replaces the
 * stock CommandBus: the CQRS module registers the handlers on it, and it is the only provider of
 * the token any controller can inject (checked by recorded-command-bus.int-spec.ts).
 */
function cqrsModule(): DynamicModule {
  const cqrs = CqrsModule.forRoot();
  return { ...cqrs, providers: [...(cqrs.providers ?? []), { provide: CommandBus, useClass: RecordedCommandBus }] };
}

/** The infrastructure every app (api, worker) stands on; slices import nothing else from here but ports. */
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(config),
        LifecycleModule,
        DatabaseModule,
        RedisModule,
        MetricsModule,
        cqrsModule(),
      ],
      exports: [CqrsModule],
    };
  }
}
