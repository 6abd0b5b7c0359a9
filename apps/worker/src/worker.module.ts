import { Module } from '@nestjs/common';

/**
 * The background side: projectors, subscribers and publishers that the slices register.
 * Run by apps/worker, or inside the API process in single-instance mode.
 */
@Module({})
export class WorkerModule {}
