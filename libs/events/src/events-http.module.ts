import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { ConsistencyTokenInterceptor } from './consistency/consistent-read.js';
import { EventsModule } from './events.module.js';

/** The HTTP side of the events: the consistency-token header on every command response. Imported by the API. */
@Module({
  imports: [EventsModule],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ConsistencyTokenInterceptor }],
})
export class EventsHttpModule {}
