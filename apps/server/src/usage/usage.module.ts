import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../orgs/organizations.module.js';
import { UsageController } from './usage.controller.js';
import { SpendRepository } from './spend.repository.js';
import { UsageStatementRepository } from './usage-statement.repository.js';
import { UsageStatementService } from './usage-statement.service.js';
import { UsageService } from './usage.service.js';
import { ProviderCostsRepository } from './provider-costs.repository.js';
import { ProviderCostsService } from './provider-costs.service.js';

/** Spend analytics, credits against provider cost, and the transaction history (JSON pages, the raw ledger CSV and the human CSV statement). */
@Module({
  imports: [OrganizationsModule],
  controllers: [UsageController],
  providers: [UsageService, SpendRepository, UsageStatementRepository, UsageStatementService, ProviderCostsService, ProviderCostsRepository],
})
export class UsageModule {}
