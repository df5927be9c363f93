import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { UsageController } from './usage.controller.js';
import { SpendRepository } from './spend.repository.js';
import { UsageService } from './usage.service.js';

/** Spend analytics and the transaction history (JSON pages and a streamed CSV export). */
@Module({
  imports: [OrganizationsModule],
  controllers: [UsageController],
  providers: [UsageService, SpendRepository],
})
export class UsageModule {}
