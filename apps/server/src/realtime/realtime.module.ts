import { Module } from '@nestjs/common';
import { BoardsModule } from '../boards/boards.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { RealtimeGateway } from './realtime.gateway.js';
import { ReviewLive } from './review-live.js';

/** Live events over socket.io at /socket.io: balances, budgets, jobs, presence, alerts, boards, comments; review guests on its `/review` namespace. */
@Module({
  imports: [OrganizationsModule, JobsModule, BoardsModule],
  providers: [RealtimeGateway, ReviewLive],
  exports: [RealtimeGateway],
})
export class RealtimeModule {}
