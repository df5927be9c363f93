import { Module } from '@nestjs/common';
import { QueueRepository } from './queue.repository.js';
import { WorkerHeartbeatService } from './worker-heartbeat.service.js';

/** The job queue (graphile-worker on our Postgres): generation jobs and background tasks (alert mail and webhooks). */
@Module({
  providers: [QueueRepository, WorkerHeartbeatService],
  exports: [QueueRepository],
})
export class QueueModule {}
