import { Module } from '@nestjs/common';
import { UsersReadProjector } from './projections/users-read/users-read.projector.js';

/** The signup slice's consumers, run by the worker (apps/worker, or inside the API when single-instance). */
@Module({
  providers: [UsersReadProjector],
  exports: [UsersReadProjector],
})
export class SignupProjectionsModule {}
