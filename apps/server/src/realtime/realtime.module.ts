import { Module } from '@nestjs/common';
import { BoardsModule } from '../boards/boards.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { RealtimeGateway } from './realtime.gateway.js';

/** Live events over socket.io at /socket.io: balances, budgets, jobs, presence, alerts, boards, comments. */
@Module({
  imports: [OrganizationsModule, JobsModule, BoardsModule],
  providers: [RealtimeGateway],
  exports: [RealtimeGateway],
})
export class RealtimeModule {}
