import { Module } from '@nestjs/common';
import { QueueRepository } from './queue.repository.js';

/** The job queue (graphile-worker on our Postgres): generation jobs and background tasks (alert mail and webhooks). */
@Module({
  providers: [QueueRepository],
  exports: [QueueRepository],
})
export class QueueModule {}
