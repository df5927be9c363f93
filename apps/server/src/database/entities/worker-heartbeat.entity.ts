import { defineEntity, p } from '@mikro-orm/postgresql';

/** A worker's last sign of life (QueueRepository.beat); silent ones are dead and their locks freed. */
export const WorkerHeartbeatSchema = defineEntity({
  name: 'WorkerHeartbeat',
  tableName: 'worker_heartbeats',
  properties: {
    workerId: p.text().primary(),
    beatAt: p.datetime().defaultRaw('now()'),
  },
});

export class WorkerHeartbeat extends WorkerHeartbeatSchema.class {}
WorkerHeartbeatSchema.setClass(WorkerHeartbeat);
