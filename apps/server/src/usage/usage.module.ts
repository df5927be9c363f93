import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';
import { ProviderCostsRepository } from './provider-costs.repository.js';
import { ProviderCostsService } from './provider-costs.service.js';

/** Spend analytics, credits against provider cost, and the transaction history (JSON pages and a streamed CSV export). */
@Module({
  imports: [OrganizationsModule],
  controllers: [UsageController],
  providers: [UsageService, ProviderCostsService, ProviderCostsRepository],
})
export class UsageModule {}
